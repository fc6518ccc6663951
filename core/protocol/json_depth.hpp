#pragma once
#include <cstddef>
#include <string_view>

namespace kata::protocol {

// Whether the arrays/objects of a JSON text nest deeper than `max_depth` (the top-level value is
// depth 1). nlohmann parses and destroys iteratively but dump() recurses, so untrusted input that
// will be re-serialized must pass this scan first or a deep enough document overflows the stack.
// Works on any bytes: brackets inside strings are skipped, malformed input is left to the parser.
bool nests_deeper_than(std::string_view json_text, std::size_t max_depth);

}  // namespace kata::protocol
