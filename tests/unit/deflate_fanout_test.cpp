// Compress once per event: the hub compresses an event once while a subscriber of its channel
// takes deflate, shares both forms, keeps them in history; the outbox writes the negotiated form.
#include <gtest/gtest.h>

#include <ranges>
#include <string>
#include <vector>

#include "core/hub/hub.hpp"
#include "core/protocol/deflate/inflater.hpp"
#include "core/server/ws/outbox.hpp"

namespace kata::hub {
namespace {

struct collector : subscriber {
    std::vector<frame> got;
    void deliver(const channel&, std::uint64_t, const frame& f) override { got.push_back(f); }
};

const protocol::channel_name spec1{protocol::channel_family::spec, "1"};

std::string log_payload(std::size_t n) {
    std::string line = R"({"line":")";
    while (line.size() < n)
        line += "2026-12-07T20:00:00Z INFO build step ok core/hub/hub.cpp ";
    return line + R"("})";
}

hub make_hub() {
    hub_settings s;
    s.compression = {true, 256, 6};
    return hub(s);
}

TEST(DeflateFanout, OneCompressionPerEventWhateverTheSubscribers) {
    auto h = make_hub();
    collector a, b;
    auto att = h.attach(spec1, &a, std::nullopt);
    h.attach(spec1, &b, std::nullopt);
    att.ch->add_connections(1000, true);  // a thousand deflate connections behind them
    h.publish(spec1, "log_entry", log_payload(512));
    h.publish(spec1, "log_entry", log_payload(512));
    EXPECT_EQ(h.compressions.load(), 2u);
    EXPECT_EQ(h.events_framed.load(), 2u);
    ASSERT_EQ(a.got.size(), 2u);
    ASSERT_EQ(b.got.size(), 2u);
    EXPECT_TRUE(a.got[0] == b.got[0]);  // the same shared frame, both forms in it
    EXPECT_FALSE(a.got[0].deflated().empty());
    EXPECT_LT(a.got[0].deflated().size() * 2, a.got[0].bytes().size());
}

TEST(DeflateFanout, NoDeflateSubscriberMeansNoCompression) {
    auto h = make_hub();
    collector a;
    auto att = h.attach(spec1, &a, std::nullopt);
    att.ch->add_connections(3, false);
    h.publish(spec1, "log_entry", log_payload(512));
    EXPECT_EQ(h.compressions.load(), 0u);
    ASSERT_EQ(a.got.size(), 1u);
    EXPECT_TRUE(a.got[0].deflated().empty());
    // The deflate subscriber leaves: back to plain.
    att.ch->add_connections(1, true);
    h.publish(spec1, "log_entry", log_payload(512));
    att.ch->add_connections(-1, true);
    h.publish(spec1, "log_entry", log_payload(512));
    EXPECT_EQ(h.compressions.load(), 1u);
    // Small events go plain whoever listens.
    att.ch->add_connections(1, true);
    h.publish(spec1, "log_entry", R"({"line":"short"})");
    EXPECT_EQ(h.compressions.load(), 1u);
}

TEST(DeflateFanout, HistoryReplaysTheSameBytesAndCountsBothForms) {
    auto h = make_hub();
    collector a;
    auto att = h.attach(spec1, &a, std::nullopt);
    att.ch->add_connections(1, true);
    const auto first = h.publish(spec1, "log_entry", log_payload(512));
    h.publish(spec1, "log_entry", log_payload(600));
    ASSERT_EQ(a.got.size(), 2u);
    EXPECT_EQ(h.history_bytes(), a.got[0].footprint() + a.got[1].footprint());
    collector late;
    const auto resumed = h.attach(spec1, &late, first);
    ASSERT_EQ(resumed.replay.size(), 1u);
    EXPECT_TRUE(resumed.replay[0] == a.got[1]);
}

TEST(DeflateOutbox, WritesTheNegotiatedFormAndReportsPlainBytes) {
    auto h = make_hub();
    collector a;
    auto att = h.attach(spec1, &a, std::nullopt);
    att.ch->add_connections(1, true);
    h.publish(spec1, "log_entry", log_payload(512));
    const frame& f = a.got.at(0);
    for (const bool deflate : {false, true}) {
        server::outbox out(1 << 20);
        ASSERT_TRUE(out.push_borrowed(f, deflate));
        ASSERT_TRUE(out.push(f, true, deflate));
        EXPECT_EQ(out.queued_bytes(), 2 * f.wire(deflate).size());
        iovec iov[4];
        ASSERT_EQ(out.gather(iov, 4), 2u);
        std::string wire;
        for (auto& v : iov | std::views::take(2))
            wire.append(static_cast<const char*>(v.iov_base), v.iov_len);
        EXPECT_EQ(wire, std::string(f.wire(deflate)) + std::string(f.wire(deflate)));
        // A partial write finishes nothing; the rest finishes both, counted uncompressed.
        EXPECT_EQ(out.consume(3), 0u);
        EXPECT_EQ(out.consume(wire.size() - 3), 2 * f.size());
        EXPECT_TRUE(out.empty());
    }
}

}  // namespace
}  // namespace kata::hub
