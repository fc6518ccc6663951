// Shutdown and directory reload on the in-process server.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "server_support.hpp"

namespace kata::e2e {
namespace {

// The file directory, except that a lookup of `held_key` waits (on the server's thread) until
// open() is called: holds an upgrade between its decision and its 101.
class gated_directory final : public auth::directory {
  public:
    gated_directory(auth::directory_config cfg, std::string held_key)
        : inner_(std::move(cfg)), held_key_(std::move(held_key)) {}
    auth::lookup_result<auth::principal> authenticate_api_key(std::string_view k) const override {
        if (k == held_key_) {
            std::unique_lock lock(mutex_);
            entered_ = true;
            changed_.notify_all();
            changed_.wait_for(lock, 20s, [this] { return open_; });
        }
        return inner_.authenticate_api_key(k);
    }
    auth::lookup_result<auth::principal> authenticate_session(std::string_view t) const override {
        return inner_.authenticate_session(t);
    }
    auth::lookup_result<std::string> team_of_spec(std::string_view id) const override {
        return inner_.team_of_spec(id);
    }
    auth::lookup_result<std::string> team_of_agent(std::string_view id) const override {
        return inner_.team_of_agent(id);
    }
    auth::lookup_result<auth::principal> authenticate_digest(
        auth::credential_kind kind, std::string_view sha256_hex) const override {
        return inner_.authenticate_digest(kind, sha256_hex);
    }
    bool wait_entered() const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, [this] { return entered_; });
    }
    void open() const {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    auth::file_directory inner_;
    std::string held_key_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    mutable bool entered_ = false;
    mutable bool open_ = false;
};

// Hands out the first paused upgrade's resume callback; later upgrades go on at once.
class upgrade_pauser {
  public:
    explicit upgrade_pauser(server::server& srv) {
        srv.pause_upgrades_for_test([this](std::function<void()> resume) {
            std::unique_lock lock(mutex_);
            if (taken_) return resume();
            taken_ = true;
            resume_ = std::move(resume);
            paused_.notify_all();
        });
    }
    bool wait_paused() {
        std::unique_lock lock(mutex_);
        return paused_.wait_for(lock, 10s, [this] { return static_cast<bool>(resume_); });
    }
    void resume() {
        std::function<void()> go_on;
        {
            std::lock_guard lock(mutex_);
            go_on.swap(resume_);
        }
        if (go_on) go_on();
    }

  private:
    std::mutex mutex_;
    std::condition_variable paused_;
    std::function<void()> resume_;
    bool taken_ = false;
};

TEST(Shutdown, EveryClientGets1001) {
    running_server server;
    ws_peer a, b;
    ASSERT_TRUE(a.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(b.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    ASSERT_EQ(a.subscribe("team:t1")["type"], "subscribed");
    std::thread stopper([&] { server.srv->stop(); });
    EXPECT_TRUE(a.wait_closed());
    EXPECT_TRUE(b.wait_closed());
    stopper.join();
    EXPECT_EQ(a.close_code(), 1001);
    EXPECT_EQ(b.close_code(), 1001);
}

// A stop whose pass over the open connections runs while an upgrade waits to write its 101 must
// still close that connection with 1001, and not wait out its grace for it.
TEST(Shutdown, AClientInTheMiddleOfItsUpgradeGets1001AndStopIsQuick) {
    auto cfg = test_config();
    cfg.threads = 1;  // the open peer's close proves the stop's pass ran on the upgrade's thread
    running_server server(cfg);
    ws_peer open_peer;
    ASSERT_TRUE(open_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    upgrade_pauser pauser(*server.srv);
    ws_peer upgrading;
    bool upgraded = false;
    std::thread connecting([&] {
        upgraded = upgrading.connect(server.port(), {{"Authorization", "Bearer " + key_t1}});
    });
    const bool paused = pauser.wait_paused();
    std::chrono::steady_clock::duration stop_took{};
    std::thread stopper([&] {
        const auto started = std::chrono::steady_clock::now();
        server.srv->stop(std::chrono::seconds(10));
        stop_took = std::chrono::steady_clock::now() - started;
    });
    const bool open_closed = paused && open_peer.wait_closed();
    pauser.resume();
    connecting.join();
    ASSERT_TRUE(paused) << "the upgrade never reached its 101";
    ASSERT_TRUE(open_closed);
    EXPECT_EQ(open_peer.close_code(), 1001);
    ASSERT_TRUE(upgraded) << "the upgrade decided before the stop: it completes";
    EXPECT_TRUE(upgrading.wait_closed(5s));
    stopper.join();
    EXPECT_EQ(upgrading.close_code(), 1001) << "not cut without a close frame";
    EXPECT_LT(stop_took, std::chrono::seconds(5)) << "stop waited out its grace";
}

// A reload whose re-check pass runs while an upgrade decided with the old directory has not yet
// handed its connection over must still reach that connection: a revoked key does not stay.
TEST(Reload, AnUpgradeDecidedBeforeAReloadIsRecheckedAgainstTheNewDirectory) {
    auto cfg = test_config();
    cfg.threads = 1;
    auto gate = std::make_shared<gated_directory>(cfg.directory, key_t1);
    running_server server(cfg, gate);
    ws_peer peer;
    bool upgraded = false;
    std::thread connecting([&] {
        upgraded = peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}});
    });
    const bool entered = gate->wait_entered();
    auto revoked = test_config();
    revoked.directory.api_keys.erase(revoked.directory.api_keys.begin());  // revoke key_t1
    // The pass over the open connections is queued on the worker, which is still deciding.
    server.srv->reload_directory(std::make_shared<auth::file_directory>(revoked.directory));
    gate->open();
    connecting.join();
    ASSERT_TRUE(entered);
    ASSERT_TRUE(upgraded) << "decided with the old directory";
    ASSERT_TRUE(peer.wait_closed()) << "a revoked key stayed connected";
    EXPECT_EQ(peer.close_code(), 4401);
}

TEST(Reload, NewDirectoryAppliesToNewConnectionsAndClosesRevokedOnes) {
    running_server server;
    ws_peer old_peer;
    ASSERT_TRUE(old_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ws_peer kept_peer;
    ASSERT_TRUE(kept_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t2}}));
    auto cfg = test_config();
    cfg.directory.api_keys.erase(cfg.directory.api_keys.begin());  // revoke key_t1
    server.srv->reload_directory(std::make_shared<auth::file_directory>(cfg.directory));
    ws_peer new_peer;
    ASSERT_TRUE(new_peer.connect(server.port(), {{"Authorization", "Bearer " + key_t1}}));
    ASSERT_TRUE(new_peer.wait_closed());
    EXPECT_EQ(new_peer.close_code(), 4401);
    // Revocation reaches open connections too (issue #14), and only those of the revoked key.
    ASSERT_TRUE(old_peer.wait_closed());
    EXPECT_EQ(old_peer.close_code(), 4401);
    kept_peer.send({{"type", "ping"}});
    EXPECT_EQ((*kept_peer.next())["type"], "pong");
}

}  // namespace
}  // namespace kata::e2e
