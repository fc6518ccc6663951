#include "core/client/client_connection.hpp"

#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include "core/client/client_tls.hpp"

namespace kata::client {
namespace {

// The server's `error.message` from a JSON error body, or the status line's reason.
std::string refusal_reason(const websocket::response_type& res) {
    const auto doc = nlohmann::json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
        const auto& err = doc["error"];
        if (err.contains("message") && err["message"].is_string()) {
            return err["message"].get<std::string>();
        }
    }
    return std::string{res.reason()};
}

}  // namespace

connection_end refused_upgrade(const websocket::response_type& res) {
    const unsigned status = res.result_int();
    connection_end end;
    end.reason = "upgrade refused: HTTP " + std::to_string(status) + " " + refusal_reason(res);
    if (status >= 400 && status < 500) {
        end.code = static_cast<std::uint16_t>(4000 + status);
        end.terminal = status != 408 && status != 429;
    }
    return end;
}

std::optional<asio::ssl::context> wss_context(const ws_url& url, const std::string& ca_file) {
    if (!url.tls) return std::nullopt;
    const auto ctx = make_client_tls(ca_file);
    SSL_CTX_up_ref(ctx.get());  // the asio context takes a reference of its own
    return std::optional<asio::ssl::context>(std::in_place, ctx.get());
}

}  // namespace kata::client
