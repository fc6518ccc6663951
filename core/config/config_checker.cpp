#include "core/config/config_checker.hpp"

namespace kata::config::detail {

std::string member_path(std::string_view parent, std::string_view key) {
    std::string out{parent};
    if (!out.empty()) out += '.';
    out += key;
    return out;
}

std::string index_path(std::string_view parent, std::size_t i) {
    return std::string{parent} + "[" + std::to_string(i) + "]";
}

}  // namespace kata::config::detail
