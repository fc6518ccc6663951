#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace kata::protocol {

// One immutable server → client frame (WebSocket header and payload) in a single allocation with
// an intrusive reference count. Fanout hands the same bytes to every subscriber and history keeps
// them: copying a handle is one atomic increment, and a held event costs its bytes plus 12 bytes
// of header and the allocator's own overhead. An event may also carry the same message as a
// permessage-deflate frame (RSV1), right after the plain one in the same allocation: each
// connection writes the form it negotiated, and both are made once per event.
class shared_frame {
  public:
    shared_frame() = default;
    shared_frame(const shared_frame& other) noexcept : block_(other.block_) { retain(); }
    shared_frame(shared_frame&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    shared_frame& operator=(shared_frame other) noexcept {
        std::swap(block_, other.block_);
        return *this;
    }
    ~shared_frame() { release(); }

    // A frame of `size` bytes whose contents the caller writes through `data` before sharing it.
    static shared_frame allocate(std::size_t size, char*& data);
    // A frame holding a copy of `bytes` (tests, control frames built elsewhere).
    static shared_frame copy_of(std::string_view bytes);
    // A frame of `size` plain bytes followed by `deflated_size` bytes of its compressed form;
    // the caller writes both through `data` before sharing it.
    static shared_frame allocate_pair(std::size_t size, std::size_t deflated_size, char*& data);

    // A handle to the same bytes that owns no reference, for a fanout turn: the caller keeps an
    // owning handle alive until every borrowed one is either pinned or forgotten. Saves two
    // atomic operations per subscriber when a frame is written within the turn it arrived in.
    static shared_frame borrow(const shared_frame& owner) {
        shared_frame b;
        b.block_ = owner.block_;
        return b;
    }
    // Makes a borrowed handle an owning one (the frame must outlive the turn).
    void pin() const { retain(); }
    // Drops a borrowed handle without touching the count.
    void forget() noexcept { block_ = nullptr; }

    const char* data() const { return block_ ? payload(block_) : nullptr; }
    std::size_t size() const { return block_ ? block_->size : 0; }
    std::string_view bytes() const { return {data(), size()}; }
    // The compressed frame (RSV1 set), empty when the event went out plain only.
    std::string_view deflated() const {
        return block_ ? std::string_view{payload(block_) + block_->size, block_->deflated_size}
                      : std::string_view{};
    }
    // What a connection writes: the compressed form when it negotiated permessage-deflate and
    // the event has one, else the plain frame.
    std::string_view wire(bool deflate) const {
        if (deflate && block_ && block_->deflated_size != 0) return deflated();
        return bytes();
    }
    // Bytes held for both forms (what history counts against its bounds).
    std::size_t footprint() const { return block_ ? block_->size + block_->deflated_size : 0; }
    explicit operator bool() const { return block_ != nullptr; }
    bool operator==(const shared_frame& other) const { return block_ == other.block_; }

  private:
    struct block {
        std::atomic<std::uint32_t> refs;
        std::uint32_t size;
        std::uint32_t deflated_size;
    };
    static char* payload(block* b) { return reinterpret_cast<char*>(b + 1); }

    void retain() const {
        if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    // Inline, so dropping an empty or borrowed handle (every outbox slot of a fanout turn) costs a
    // test, not a call.
    void release() noexcept {
        if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(block_);
        block_ = nullptr;
    }
    static void destroy(block* b) noexcept;

    block* block_ = nullptr;
};

}  // namespace kata::protocol
