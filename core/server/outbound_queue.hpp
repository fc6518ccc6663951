#pragma once
#include <cstddef>
#include <mutex>
#include <vector>

#include "core/hub/subscriber.hpp"

namespace kata::server {

// A connection's outbound frames, bounded in bytes. Producers (fanout, any thread) push; the
// connection's single writer takes everything queued at once and releases the bytes as it writes,
// so a queued frame counts against the bound until it has left for the socket.
class outbound_queue {
  public:
    explicit outbound_queue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    enum class push_result {
        queued,       // the writer is busy and will find the frame
        wake_writer,  // the writer is idle, waiting: the caller must wake it
        overflow,     // over max_bytes: the queue is now closed and emptied (slow consumer)
        closed,       // already closed; the frame was dropped
    };

    push_result push(const hub::frame& f);

    // Moves every queued frame into `out` (cleared first). When none is queued, marks the writer
    // as waiting so the next push answers wake_writer.
    void take(std::vector<hub::frame>& out);

    // Called by the writer after `bytes` taken earlier were written.
    void release(std::size_t bytes);

    // Drops what is queued and refuses further frames.
    void close();
    // Refuses further frames but keeps the queued ones for the writer to flush.
    void seal();

    std::size_t queued_bytes() const;

  private:
    mutable std::mutex mutex_;
    std::vector<hub::frame> frames_;
    std::size_t bytes_ = 0;
    const std::size_t max_bytes_;
    bool writer_waiting_ = false;
    bool closed_ = false;
};

}  // namespace kata::server
