#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/hub/broker.hpp"
#include "core/server/ops/disconnect_service.hpp"
#include "core/server/ops/server_state.hpp"

namespace kata::server {

class worker;

// POST /v1/disconnect across nodes. Each disconnect is applied on this node (every worker
// matches its own connections, on its own thread) and, with a remote broker, stored as an event
// of a reserved broker channel that every node follows. The broker's feed delivers it once, in
// order, and after a pub/sub outage fills what was missed from the stream: a node that was cut
// off applies the disconnects it missed once it is back. Sits in front of the hub as the
// broker's sink: the reserved channel's events come here, every other channel's go to the hub.
class disconnect_relay final : public disconnect_service, public hub::broker_sink {
  public:
    // The reserved broker channel: no client channel can have this name.
    static constexpr std::string_view channel = "_kata:disconnect";

    // `broker` may be null (the embedded broker: a disconnect applies to this node only).
    disconnect_relay(server_state& state, const std::vector<std::unique_ptr<worker>>& workers,
                     hub::broker* broker);
    ~disconnect_relay() override;

    // After the broker started: follows the reserved channel (retrying until the broker is up).
    void start();

    void disconnect(const auth::disconnect_target& target,
                    std::function<void(disconnect_outcome)> done) override;
    bool ready() const override { return broker_ == nullptr || following_.load(); }

    void on_remote_event(std::string_view ch, const hub::remote_event& e) override;
    void on_remote_gap(std::string_view ch) override;

  private:
    // Forgets the directory's cached answers for the target and ends the connections it names on
    // every worker; `done` gets how many matched once every worker has looked.
    void apply(const auth::disconnect_target& target, std::function<void(std::size_t)> done);
    void open_channel();
    void retry_open();

    server_state& state_;
    const std::vector<std::unique_ptr<worker>>& workers_;
    hub::broker* const broker_;
    const std::string origin_;  // this node, in the events it stores: it applied them already
    boost::asio::steady_timer retry_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> following_{false};  // the broker confirmed the channel open
};

}  // namespace kata::server
