#pragma once
#include <string>
#include <string_view>

namespace kata::auth {

// Lowercase hex SHA-256 of `data` (OpenSSL EVP).
std::string sha256_hex(std::string_view data);

// Equality whose running time depends only on the lengths, never on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace kata::auth
