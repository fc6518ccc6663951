#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kata::redis {

// A Redis reply copied out of hiredis' redisReply, so no callback ever sees memory hiredis frees
// after it returns, and pure code (parsers, fuzz targets) handles replies without hiredis.
struct redis_reply {
    enum class kind { nil, string, status, error, integer, array };
    kind type = kind::nil;
    std::string str;  // string, status and error
    std::int64_t integer = 0;
    std::vector<redis_reply> elements;

    bool is_error() const { return type == kind::error; }
    bool is_string() const { return type == kind::string || type == kind::status; }
    bool is_array() const { return type == kind::array; }

    static redis_reply make_string(std::string s) {
        redis_reply r;
        r.type = kind::string;
        r.str = std::move(s);
        return r;
    }
    static redis_reply make_integer(std::int64_t n) {
        redis_reply r;
        r.type = kind::integer;
        r.integer = n;
        return r;
    }
    static redis_reply make_array(std::vector<redis_reply> elements) {
        redis_reply r;
        r.type = kind::array;
        r.elements = std::move(elements);
        return r;
    }
};

}  // namespace kata::redis
