#include "core/auth/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace kata::auth {

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    // EVP_Digest only fails on allocation failure; a silent empty digest could match an empty
    // stored digest, so fail loudly instead.
    if (EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 digest failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(static_cast<std::size_t>(md_len) * 2, '\0');
    for (unsigned int i = 0; i < md_len; ++i) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Lengths are public (every stored digest is 64 hex chars), so only the content comparison
    // needs to be branch-free; a mismatch still returns without looking at the bytes.
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kata::auth
