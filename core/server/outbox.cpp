#include "core/server/outbox.hpp"

namespace kata::server {

bool outbox::push(hub::frame f, bool counted) {
    if (counted) {
        if (counted_bytes_ + f.size() > max_) return false;
        counted_bytes_ += f.size();
    }
    items_.push_back({std::move(f), counted});
    return true;
}

std::size_t outbox::gather(iovec* out, std::size_t max) const {
    std::size_t n = 0;
    for (std::size_t i = head_; i < items_.size() && n < max; ++i, ++n) {
        const auto& f = items_[i].f;
        const std::size_t skip = i == head_ ? offset_ : 0;
        out[n].iov_base = const_cast<char*>(f.data() + skip);
        out[n].iov_len = f.size() - skip;
    }
    return n;
}

void outbox::pop_front() {
    auto& it = items_[head_];
    if (it.counted) counted_bytes_ -= it.f.size();
    it.f = {};
    ++head_;
    offset_ = 0;
    if (head_ == items_.size()) {
        items_.clear();
        head_ = 0;
    }
}

void outbox::consume(std::size_t n) {
    while (n > 0 && !empty()) {
        const std::size_t left = items_[head_].f.size() - offset_;
        if (n < left) {
            offset_ += n;
            return;
        }
        n -= left;
        pop_front();
    }
    // A long backlog is compacted once half of it is written, so the list does not grow while
    // a busy connection never quite empties.
    if (head_ > 64 && head_ * 2 > items_.size()) {
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

void outbox::drop_unstarted() {
    const std::size_t keep = head_ + (mid_frame() ? 1 : 0);
    for (std::size_t i = keep; i < items_.size(); ++i)
        if (items_[i].counted) counted_bytes_ -= items_[i].f.size();
    items_.resize(keep);
    if (head_ == items_.size()) {
        items_.clear();
        head_ = 0;
    }
}

void outbox::release_memory() {
    if (empty() && items_.capacity() > 0) std::vector<item>{}.swap(items_);
}

}  // namespace kata::server
