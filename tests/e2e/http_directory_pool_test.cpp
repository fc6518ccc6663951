// The HTTP directory's keep-alive connection against a backend that frames its answers badly:
// interim 1xx answers, a doubled answer, trailing garbage, an extra answer sent later, a cut body,
// an answer that comes after the timeout. With one pooled connection, every lookup must still get
// its own answer: a stray byte read as the next lookup's answer would admit an unknown key as the
// previous key's principal.
#include "http_directory_support.hpp"

namespace kata::e2e {
namespace {

using framing = directory_backend::framing;

class HttpDirectoryPool : public ::testing::Test {
  protected:
    http_directory_fixture f;

    HttpDirectoryPool() { f.settings.pool_size = 1; }

    // Until the backend has written every byte it means to (an extra answer included): the next
    // lookup then meets whatever it left on the connection.
    void settle() {
        ASSERT_TRUE(eventually([&] {
            return f.backend.answers_done() ==
                   f.backend.authenticate_count() + f.backend.owner_count();
        }));
    }

    // Three credentials in turn over the one connection, each answered as itself: key_t1 by its
    // principal, two unknown keys by 404 (not by key_t1's answer), key_t2 by its own principal.
    void expect_every_key_gets_its_own_answer() {
        ws_peer first;
        ASSERT_TRUE(first.connect(f.port(), bearer(key_t1)));
        EXPECT_EQ(first.subscribe("team:t1")["type"], "subscribed");
        settle();

        ws_peer unknown;
        ASSERT_TRUE(unknown.connect(f.port(), bearer("no-such-key")));
        ASSERT_TRUE(unknown.wait_closed());
        EXPECT_EQ(unknown.close_code(), 4401) << "an unknown key admitted";
        settle();

        const auto res =
            publish(f.port(), "another-unknown-key",
                    {{"channel", "team:t1"}, {"type", "log_entry"}, {"payload", json::object()}});
        EXPECT_EQ(res.status, 401) << "an unknown key published as t1";
        settle();

        ws_peer second;
        ASSERT_TRUE(second.connect(f.port(), bearer(key_t2)));
        EXPECT_EQ(second.subscribe("team:t2")["type"], "subscribed");
        EXPECT_EQ(second.subscribe("team:t1")["payload"]["code"], "forbidden")
            << "key_t2 admitted as another principal";
    }

    // Every request came on a connection of its own: none was written onto a connection that
    // still held bytes of an earlier answer.
    void expect_no_connection_reused() {
        const auto seen = f.backend.requests();
        ASSERT_GE(seen.size(), 4u);
        for (std::size_t i = 1; i < seen.size(); ++i)
            EXPECT_NE(seen[i].connection, seen[i - 1].connection) << "request " << i;
    }

    // The gateway gave up on the first request's connection: the next request came on another
    // one, and the gateway closed the first.
    void expect_first_connection_dropped() {
        const auto seen = f.backend.requests();
        ASSERT_GE(seen.size(), 2u);
        EXPECT_NE(seen[0].connection, seen[1].connection) << "a failed connection was reused";
        EXPECT_TRUE(eventually([&] { return f.backend.connection_closed(seen[0].connection); }));
    }
};

TEST_F(HttpDirectoryPool, EarlyHintsBeforeTheAnswerAreSkipped) {
    f.backend.set_framing(framing::early_hints);
    f.start();
    expect_every_key_gets_its_own_answer();
}

TEST_F(HttpDirectoryPool, DoubledAnswerIsNotTakenAsTheNextKeysAnswer) {
    f.backend.set_framing(framing::doubled);
    f.start();
    expect_every_key_gets_its_own_answer();
    expect_no_connection_reused();
}

TEST_F(HttpDirectoryPool, TrailingGarbageIsNotTakenAsTheNextKeysAnswer) {
    f.backend.set_framing(framing::trailing_garbage);
    f.start();
    expect_every_key_gets_its_own_answer();
    expect_no_connection_reused();
}

TEST_F(HttpDirectoryPool, ExtraAnswerSentLaterIsNotTakenAsTheNextKeysAnswer) {
    f.backend.set_framing(framing::late_extra);
    f.start();
    expect_every_key_gets_its_own_answer();
}

TEST_F(HttpDirectoryPool, OwnerAnswersDoNotShift) {
    f.backend.set_framing(framing::doubled);
    f.start();
    ws_peer peer;
    ASSERT_TRUE(peer.connect(f.port(), bearer(key_t1)));
    EXPECT_EQ(peer.subscribe("spec:s1")["type"], "subscribed");
    settle();
    EXPECT_EQ(peer.subscribe("spec:nope")["payload"]["code"], "forbidden")
        << "an unknown spec given spec:s1's owner";
    settle();
    EXPECT_EQ(peer.subscribe("spec:s2")["payload"]["code"], "forbidden");
    settle();
    EXPECT_EQ(peer.subscribe("agent:a1")["type"], "subscribed");
}

TEST_F(HttpDirectoryPool, SwitchingProtocolsFailsClosedAndTheConnectionIsDropped) {
    f.backend.set_framing(framing::switching_protocols);
    f.start();
    ws_peer first;
    ASSERT_TRUE(first.connect(f.port(), bearer(key_t1)));
    ASSERT_TRUE(first.wait_closed());
    EXPECT_EQ(first.close_code(), 4503);
    settle();
    f.backend.set_framing(framing::normal);
    ws_peer unknown;
    ASSERT_TRUE(unknown.connect(f.port(), bearer("no-such-key")));
    ASSERT_TRUE(unknown.wait_closed());
    EXPECT_EQ(unknown.close_code(), 4401) << "an unknown key admitted";
    expect_first_connection_dropped();
}

TEST_F(HttpDirectoryPool, AnswerCutMidBodyFailsClosedAndTheConnectionIsDropped) {
    f.settings.timeout = 400ms;
    f.backend.set_framing(framing::cut_body);
    f.start();
    ws_peer first;
    ASSERT_TRUE(first.connect(f.port(), bearer(key_t1)));
    ASSERT_TRUE(first.wait_closed());
    EXPECT_EQ(first.close_code(), 4503);
    f.backend.set_framing(framing::normal);
    ws_peer unknown;
    ASSERT_TRUE(unknown.connect(f.port(), bearer("no-such-key")));
    ASSERT_TRUE(unknown.wait_closed());
    EXPECT_EQ(unknown.close_code(), 4401);
    expect_first_connection_dropped();
}

TEST_F(HttpDirectoryPool, AnswerAfterTheTimeoutIsNeverReadAsTheNextOne) {
    f.settings.timeout = 400ms;
    f.start();
    f.backend.hold();
    ws_peer first;
    ASSERT_TRUE(first.connect(f.port(), bearer(key_t1)));
    ASSERT_TRUE(first.wait_closed());
    EXPECT_EQ(first.close_code(), 4503);
    f.backend.release();  // key_t1's answer goes out now, late
    settle();
    ws_peer unknown;
    ASSERT_TRUE(unknown.connect(f.port(), bearer("no-such-key")));
    ASSERT_TRUE(unknown.wait_closed());
    EXPECT_EQ(unknown.close_code(), 4401) << "a late answer taken for the next key";
    expect_first_connection_dropped();
}

}  // namespace
}  // namespace kata::e2e
