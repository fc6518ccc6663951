#include "core/protocol/shared_frame.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace kata::protocol {

shared_frame shared_frame::allocate(std::size_t size, char*& data) {
    return allocate_pair(size, 0, data);
}

shared_frame shared_frame::allocate_pair(std::size_t size, std::size_t deflated_size, char*& data) {
    if (size > UINT32_MAX || deflated_size > UINT32_MAX)
        throw std::length_error("frame larger than 4 GiB");
    void* raw = std::malloc(sizeof(block) + size + deflated_size);
    if (!raw) throw std::bad_alloc();
    auto* b = new (raw)
        block{{1}, static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(deflated_size)};
    shared_frame f;
    f.block_ = b;
    data = payload(b);
    return f;
}

shared_frame shared_frame::copy_of(std::string_view bytes) {
    char* data = nullptr;
    auto f = allocate(bytes.size(), data);
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
    return f;
}

void shared_frame::destroy(block* b) noexcept {
    b->~block();
    std::free(b);
}

}  // namespace kata::protocol
