#pragma once
#include <cstddef>
#include <string>

namespace kata::auth {

// `bytes` bytes from the OS CSPRNG (OpenSSL RAND_bytes), hex-encoded. For generated API keys.
std::string random_token(std::size_t bytes = 24);

}  // namespace kata::auth
