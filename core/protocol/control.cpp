#include "core/protocol/control.hpp"

#include <nlohmann/json.hpp>

namespace kata::protocol {
namespace {

nlohmann::json with_request_id(std::string_view request_id) {
    nlohmann::json doc = nlohmann::json::object();
    if (!request_id.empty()) doc["requestId"] = request_id;
    return doc;
}

}  // namespace

std::string pong_payload(std::string_view request_id) {
    return with_request_id(request_id)
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string subscription_payload(std::string_view request_id, std::optional<bool> recovered) {
    auto doc = with_request_id(request_id);
    if (recovered) doc["recovered"] = *recovered;
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_payload(std::string_view code, std::string_view message,
                          std::string_view request_id) {
    auto doc = with_request_id(request_id);
    doc["code"] = code;
    doc["message"] = message;
    // Replace rather than throw on invalid UTF-8 echoed back from a client.
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kata::protocol
