// POST /v1/publish through a remote broker (Redis): the events are stored there (one round trip
// per shard) before the answer, so a 200 means every event is stored and on its way to every
// node. A shard that fails leaves its events unstored: the 503 says which, so a publisher can
// retry exactly those.
#include <nlohmann/json.hpp>

#include "core/server/http/http_responses.hpp"
#include "core/server/http/publish_route.hpp"
#include "core/server/ws/await_lookup.hpp"

namespace kata::server {

asio::awaitable<http_response> publish_remote(const http_request& req, worker& w,
                                              const protocol::publish_request& request,
                                              std::chrono::steady_clock::time_point started) {
    auto& state = w.state();
    if (state.lag.overloaded()) {
        co_return error_response(req, http::status::service_unavailable, "overloaded",
                                 "the gateway's fanout is behind; retry later");
    }
    std::vector<hub::hub::publish_item> items;
    items.reserve(request.items.size());
    for (const auto& item : request.items)
        items.push_back({&item.channel, item.type, item.payload_json});
    const auto result = co_await await_answer<hub::publish_result>(
        w, [&](std::function<void(hub::publish_result)> done) {
            state.hub.publish_remote(items, std::move(done));
        });
    std::size_t stored = 0;
    std::vector<std::string> ids;
    nlohmann::json events = nlohmann::json::array();
    for (const auto& id : result.ids) {
        if (id) {
            ++stored;
            ids.push_back(id->str());
            events.push_back({{"eventId", id->str()}, {"stored", true}});
        } else {
            events.push_back({{"stored", false}});
        }
    }
    state.counters.events_published.fetch_add(stored);
    if (stored != result.ids.size() || result.ids.size() != request.items.size()) {
        nlohmann::json body;
        body["error"] = {{"code", "broker_unavailable"},
                         {"message", std::to_string(request.items.size() - stored) + " of " +
                                         std::to_string(request.items.size()) +
                                         " events were not stored (the broker is unreachable); "
                                         "retry those with \"stored\": false"}};
        body["events"] = std::move(events);
        co_return json_response(req, http::status::service_unavailable, body.dump());
    }
    state.counters.publish_latency.observe(std::chrono::steady_clock::now() - started);
    co_return published_response(req, request.batch, ids);
}

asio::awaitable<http_response> publish_checked(const http_request& req, worker& w,
                                               const protocol::publish_request& request,
                                               std::chrono::steady_clock::time_point started) {
    if (w.state().hub.remote()) co_return co_await publish_remote(req, w, request, started);
    co_return publish_authorized(req, w.state(), request, started);
}

}  // namespace kata::server
