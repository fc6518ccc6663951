#pragma once
#include <sys/uio.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/hub/subscriber.hpp"

namespace kata::server {

// A connection's frames waiting for the socket, written with one gather write per turn. Live
// events and answers count against `max_queued_bytes`; a resume's replay does not (its frames are
// shared with history, so it costs pointers, and it flows at the pace the client reads). Pure:
// the connection does the writing.
class outbox {
  public:
    explicit outbox(std::size_t max_counted_bytes) : max_(max_counted_bytes) {}
    ~outbox();
    outbox(const outbox&) = delete;
    outbox& operator=(const outbox&) = delete;

    // Queues `f`; false (and nothing queued) when a counted frame would pass the bound.
    // `deflate`: the connection negotiated permessage-deflate, so the frame's compressed form
    // (when it has one) is what goes out and what counts.
    bool push(hub::frame f, bool counted = true, bool deflate = false);
    // Queues a live event without taking a reference: the fanout turn owns one until the end of
    // the turn, by which point pin_borrowed() must have run if anything is left unwritten.
    // Inline: the fanout calls it once per subscriber.
    bool push_borrowed(const hub::frame& f, bool deflate = false) {
        const std::size_t size = f.wire(deflate).size();
        if (counted_bytes_ + size > max_) return false;
        counted_bytes_ += size;
        items_.push_back(item{hub::frame::borrow(f), true, true, deflate});
        ++borrowed_;
        return true;
    }
    void pin_borrowed();

    bool empty() const { return head_ == items_.size(); }
    // Bytes of counted frames not yet fully written.
    std::size_t queued_bytes() const { return counted_bytes_; }
    // True when the first frame is partly written: nothing may be sent before its rest.
    bool mid_frame() const { return offset_ != 0; }

    // Fills up to `max` iovecs with the unwritten bytes, oldest first; returns how many.
    std::size_t gather(iovec* out, std::size_t max) const;
    // Marks `n` bytes as written (a gather write may stop anywhere, even inside a frame).
    // Returns the size the frames it finished would have had uncompressed: beside the bytes
    // written, it tells what compression saved.
    std::size_t consume(std::size_t n);

    // Drops every frame not yet started (a slow consumer is being cut); a partly written one
    // stays so the stream is still well framed for the close frame.
    void drop_unstarted();
    // Frees the list's memory once empty, past a few slots: an idle connection holds little.
    void release_memory();
    static constexpr std::size_t retained_slots = 4;

  private:
    struct item {
        hub::frame f;
        bool counted;
        bool borrowed;
        bool deflated;  // writes f.wire(true): in the padding, so it costs no memory
        std::string_view bytes() const { return f.wire(deflated); }
    };
    static void discard(item& it);

    const std::size_t max_;
    std::vector<item> items_;
    std::size_t head_ = 0;    // first unwritten item
    std::size_t offset_ = 0;  // bytes of items_[head_] already written
    std::size_t counted_bytes_ = 0;
    std::size_t borrowed_ = 0;  // items holding no reference
};

}  // namespace kata::server
