#include "core/protocol/ws_frame_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kata::protocol::ws {
namespace {

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list)
        s.push_back(static_cast<char>(b));
    return s;
}

std::string header(opcode op, std::size_t payload_size,
                   const std::array<std::uint8_t, 4>* mask = nullptr) {
    char out[max_header_bytes];
    const auto n = write_header(out, op, payload_size, mask);
    EXPECT_EQ(n, header_size(payload_size, mask != nullptr));
    return std::string(out, n);
}

constexpr std::array<std::uint8_t, 4> rfc_mask{0x37, 0xfa, 0x21, 0x3d};

TEST(WsFrameWriter, HeaderSizeUsesTheMinimalLengthEncoding) {
    EXPECT_EQ(header_size(0), 2u);
    EXPECT_EQ(header_size(125), 2u);
    EXPECT_EQ(header_size(126), 4u);
    EXPECT_EQ(header_size(65535), 4u);
    EXPECT_EQ(header_size(65536), 10u);
    EXPECT_EQ(header_size(125, true), 6u);
    EXPECT_EQ(header_size(126, true), 8u);
    EXPECT_EQ(header_size(65536, true), 14u);
}

TEST(WsFrameWriter, WritesSevenSixteenAndSixtyFourBitLengths) {
    EXPECT_EQ(header(opcode::text, 0), bytes({0x81, 0x00}));
    EXPECT_EQ(header(opcode::binary, 125), bytes({0x82, 0x7d}));
    EXPECT_EQ(header(opcode::binary, 126), bytes({0x82, 0x7e, 0x00, 0x7e}));
    EXPECT_EQ(header(opcode::binary, 256), bytes({0x82, 0x7e, 0x01, 0x00}));
    EXPECT_EQ(header(opcode::binary, 65535), bytes({0x82, 0x7e, 0xff, 0xff}));
    EXPECT_EQ(header(opcode::binary, 65536), bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    EXPECT_EQ(header(opcode::ping, 5), bytes({0x89, 0x05}));
    EXPECT_EQ(header(opcode::close, 2), bytes({0x88, 0x02}));
}

TEST(WsFrameWriter, MaskedHeaderCarriesTheKey) {
    EXPECT_EQ(header(opcode::text, 5, &rfc_mask), bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}));
    EXPECT_EQ(header(opcode::binary, 300, &rfc_mask),
              bytes({0x82, 0xfe, 0x01, 0x2c, 0x37, 0xfa, 0x21, 0x3d}));
}

TEST(WsFrameWriter, ServerFrameIsRfcUnmaskedHello) {
    // RFC 6455 5.7: a single-frame unmasked text message.
    const auto f = server_frame(opcode::text, "Hello");
    EXPECT_EQ(f.bytes(), bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(WsFrameWriter, ServerTextFrameFillsInPlaceLikeServerFrame) {
    const std::string payload(300, 'p');
    const auto built = server_text_frame(
        payload.size(), [&](char* dst) { std::copy(payload.begin(), payload.end(), dst); });
    EXPECT_EQ(built.bytes(), server_frame(opcode::text, payload).bytes());
    EXPECT_EQ(server_frame(opcode::binary, std::string(70000, 'b')).size(), 10u + 70000u);
}

TEST(WsFrameWriter, ClientFrameIsRfcMaskedHello) {
    EXPECT_EQ(client_frame(opcode::text, "Hello", rfc_mask),
              bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
}

TEST(WsFrameWriter, ClientFrameWithoutFinStartsAFragmentedMessage) {
    const auto first = client_frame(opcode::text, "Hel", rfc_mask, false);
    EXPECT_EQ(static_cast<std::uint8_t>(first[0]), 0x01);
    const auto last = client_frame(opcode::continuation, "lo", rfc_mask, true);
    EXPECT_EQ(static_cast<std::uint8_t>(last[0]), 0x80);
}

TEST(WsFrameWriter, ApplyMaskMatchesBytewiseXorAtEveryLengthAndOffset) {
    const std::array<std::uint8_t, 4> mask{0x01, 0x23, 0x45, 0x67};
    for (std::size_t size = 0; size <= 33; ++size) {
        for (std::size_t offset = 0; offset < 8; ++offset) {
            std::string data;
            for (std::size_t i = 0; i < size; ++i)
                data.push_back(static_cast<char>(i * 7 + 3));
            std::string expected = data;
            for (std::size_t i = 0; i < size; ++i) {
                expected[i] = static_cast<char>(expected[i] ^ mask[(offset + i) % 4]);
            }
            apply_mask(data.data(), data.size(), mask, offset);
            EXPECT_EQ(data, expected) << "size " << size << " offset " << offset;
        }
    }
}

TEST(WsFrameWriter, ApplyMaskInPiecesEqualsWhole) {
    const std::array<std::uint8_t, 4> mask{0xde, 0xad, 0xbe, 0xef};
    const std::string original = "a payload long enough for several words of mask";
    std::string whole = original;
    apply_mask(whole.data(), whole.size(), mask);
    for (std::size_t split = 0; split <= original.size(); ++split) {
        std::string pieces = original;
        apply_mask(pieces.data(), split, mask, 0);
        apply_mask(pieces.data() + split, pieces.size() - split, mask, split);
        EXPECT_EQ(pieces, whole) << split;
    }
    apply_mask(whole.data(), whole.size(), mask);
    EXPECT_EQ(whole, original);
}

TEST(WsFrameWriter, CloseBodyIsCodeInNetworkOrderThenReason) {
    EXPECT_EQ(close_body(1000, "bye"), bytes({0x03, 0xe8, 'b', 'y', 'e'}));
    EXPECT_EQ(close_body(4401, ""), bytes({0x11, 0x31}));
}

}  // namespace
}  // namespace kata::protocol::ws
