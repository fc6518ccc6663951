#include "load/nodes.hpp"

#include <algorithm>
#include <variant>

namespace kata::load {

std::optional<std::string> set_nodes(scenario& sc, const std::vector<std::string>& urls) {
    if (urls.empty()) return "at least one --url is needed";
    std::vector<endpoint_url> nodes;
    for (const auto& text : urls) {
        auto parsed = parse_url(text);
        if (auto* err = std::get_if<std::string>(&parsed)) return *err;
        auto& url = std::get<endpoint_url>(parsed);
        if (url.scheme != "ws" && url.scheme != "wss") {
            return "URL '" + text + "': --url must be a ws:// or wss:// URL";
        }
        if (!nodes.empty() && url.scheme != nodes.front().scheme) {
            return "URL '" + text + "': every node must be ws:// or every node wss://";
        }
        // Twice the same node would silently double its share of the connections.
        const auto same = [&](const endpoint_url& u) { return u.str() == url.str(); };
        if (std::any_of(nodes.begin(), nodes.end(), same)) {
            return "URL '" + text + "' is given twice: name each node once";
        }
        nodes.push_back(std::move(url));
    }
    sc.ws_url = nodes.front();
    sc.publish_url = publish_url_for(sc.ws_url);
    sc.more_nodes.assign(nodes.begin() + 1, nodes.end());
    return std::nullopt;
}

std::string nodes_text(const scenario& sc) {
    std::string out = sc.ws_url.str();
    for (const auto& u : sc.more_nodes)
        out += " " + u.str();
    return out;
}

}  // namespace kata::load
