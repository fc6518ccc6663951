#include "core/server/outbound_queue.hpp"

namespace kata::server {

outbound_queue::push_result outbound_queue::push(const hub::frame& f) {
    std::lock_guard lock(mutex_);
    if (closed_) return push_result::closed;
    if (bytes_ + f->size() > max_bytes_) {
        closed_ = true;
        frames_.clear();
        return push_result::overflow;
    }
    bytes_ += f->size();
    frames_.push_back(f);
    if (writer_waiting_) {
        writer_waiting_ = false;
        return push_result::wake_writer;
    }
    return push_result::queued;
}

void outbound_queue::take(std::vector<hub::frame>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    // Swapping keeps both vectors' capacity: steady state allocates nothing per frame.
    out.swap(frames_);
    writer_waiting_ = out.empty() && !closed_;
}

void outbound_queue::release(std::size_t bytes) {
    std::lock_guard lock(mutex_);
    bytes_ = bytes > bytes_ ? 0 : bytes_ - bytes;
}

void outbound_queue::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    frames_.clear();
    writer_waiting_ = false;
}

void outbound_queue::seal() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    writer_waiting_ = false;
}

std::size_t outbound_queue::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

}  // namespace kata::server
