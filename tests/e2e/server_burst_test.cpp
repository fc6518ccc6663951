// A burst longer than the channel's history to a reader whose socket is full: the frames the
// outboxes borrowed from the fanout turn must outlive the history's references (a regression
// test: the turn released them before its flush, a use-after-free once history evicted them).
#include "raw_peer.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

TEST(ServerBurst, ABurstPastTheHistoryReachesAFullSocketWholeAndInOrder) {
    auto cfg = test_config();
    cfg.history.size = 10;                    // history lets go of almost every frame at once
    cfg.limits.max_queued_bytes = 64u << 20;  // more than the socket buffers: the outbox holds
    running_server s(cfg);
    raw_peer peer;
    ASSERT_TRUE(peer.connect(s.port(), key_t1, 4096));
    peer.send_text(R"({"type":"subscribe","channel":"spec:s1","requestId":"r1"})");
    const auto answer = peer.next_text(5s);
    ASSERT_TRUE(answer && answer->find("subscribed") != std::string::npos);
    const std::string pad(2000, 'x');
    const int events = 3000;
    for (int i = 0; i < events; ++i) {
        s.srv->hub().publish(*protocol::parse_channel("spec:s1"), "log_entry",
                             R"({"i":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}");
    }
    for (int i = 0; i < events; ++i) {
        const auto text = peer.next_text(10s);
        ASSERT_TRUE(text) << "event " << i << " missing";
        ASSERT_NE(text->find(R"({"i":)" + std::to_string(i) + ","), std::string::npos) << i;
    }
}

}  // namespace
}  // namespace kata::e2e
