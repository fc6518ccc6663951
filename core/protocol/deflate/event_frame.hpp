#pragma once
#include <string_view>

#include "core/protocol/deflate/compression_settings.hpp"
#include "core/protocol/shared_frame.hpp"

namespace kata::protocol::deflate {

// An event's text frame, and, when `compress` and the message is at least settings.min_bytes
// and shrinks, its permessage-deflate frame beside it (RSV1 set, compressed by this thread's
// compressor). Returns whether it compressed (for the compressions counter).
shared_frame event_frame(std::string_view message, const compression_settings& settings,
                         bool compress, bool* compressed = nullptr);

}  // namespace kata::protocol::deflate
