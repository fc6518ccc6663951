#include "core/protocol/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <string>

namespace kata::protocol::ws {
namespace {

// RFC 6455 1.3: the GUID appended to the client's key before hashing.
constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

}  // namespace

std::string accept_key(std::string_view client_key) {
    std::string input;
    input.reserve(client_key.size() + accept_guid.size());
    input.append(client_key).append(accept_guid);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    // 20 bytes encode to 28 characters; EVP_EncodeBlock also writes a terminating NUL.
    unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

bool valid_client_key(std::string_view client_key) {
    // 16 bytes are exactly 24 base64 characters: 22 of data (the last one carrying 2 bits)
    // and "==". Any other length, padding or alphabet decodes to something else or nothing.
    // The 4 unused bits of the last data character are not required to be zero (RFC 4648 3.5
    // lets decoders accept them), as other servers do not require it either.
    if (client_key.size() != 24) return false;
    if (client_key[22] != '=' || client_key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i) {
        if (!is_base64_char(client_key[i])) return false;
    }
    return true;
}

}  // namespace kata::protocol::ws
