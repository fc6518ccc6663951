#include "core/server/ws/outbox.hpp"

namespace kata::server {

outbox::~outbox() {
    for (std::size_t i = head_; i < items_.size(); ++i)
        discard(items_[i]);
}

void outbox::discard(item& it) {
    if (it.borrowed) {
        it.f.forget();
    } else {
        it.f = {};
    }
}

bool outbox::push(hub::frame f, bool counted, bool deflate) {
    if (counted) {
        const std::size_t size = f.wire(deflate).size();
        if (counted_bytes_ + size > max_) return false;
        counted_bytes_ += size;
    }
    items_.push_back({std::move(f), counted, false, deflate});
    return true;
}

void outbox::pin_borrowed() {
    if (borrowed_ == 0) return;
    for (std::size_t i = head_; i < items_.size(); ++i) {
        if (!items_[i].borrowed) continue;
        items_[i].f.pin();
        items_[i].borrowed = false;
    }
    borrowed_ = 0;
}

std::size_t outbox::gather(iovec* out, std::size_t max) const {
    std::size_t n = 0;
    for (std::size_t i = head_; i < items_.size() && n < max; ++i, ++n) {
        const auto bytes = items_[i].bytes();
        const std::size_t skip = i == head_ ? offset_ : 0;
        out[n].iov_base = const_cast<char*>(bytes.data() + skip);
        out[n].iov_len = bytes.size() - skip;
    }
    return n;
}

std::size_t outbox::consume(std::size_t n) {
    std::size_t plain = 0;
    // After a whole write (the usual case) every item goes and the list is cleared once.
    while (n > 0 && head_ < items_.size()) {
        item& it = items_[head_];
        const std::size_t size = it.bytes().size();
        const std::size_t left = size - offset_;
        if (n < left) {
            offset_ += n;
            return plain;
        }
        n -= left;
        plain += it.f.size();
        if (it.counted) counted_bytes_ -= size;
        if (it.borrowed) --borrowed_;
        discard(it);
        ++head_;
        offset_ = 0;
    }
    if (head_ == items_.size()) {
        items_.clear();
        head_ = 0;
        return plain;
    }
    // A long backlog is compacted once half of it is written, so the list does not grow while
    // a busy connection never quite empties.
    if (head_ > 64 && head_ * 2 > items_.size()) {
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
    return plain;
}

void outbox::drop_unstarted() {
    const std::size_t keep = head_ + (mid_frame() ? 1 : 0);
    for (std::size_t i = keep; i < items_.size(); ++i) {
        if (items_[i].counted) counted_bytes_ -= items_[i].bytes().size();
        if (items_[i].borrowed) --borrowed_;
        discard(items_[i]);
    }
    items_.resize(keep);
    if (head_ == items_.size()) {
        items_.clear();
        head_ = 0;
    }
}

void outbox::release_memory() {
    // A few slots stay: freeing them after every write would cost an allocation per delivery.
    if (empty() && items_.capacity() > retained_slots) std::vector<item>{}.swap(items_);
}

}  // namespace kata::server
