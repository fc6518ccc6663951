#include "core/protocol/deflate/negotiation.hpp"
#include "core/protocol/comma_list.hpp"

#include <optional>

namespace kata::protocol::deflate {
namespace {

constexpr std::string_view extension_name = "permessage-deflate";

bool is_tchar(char c) {
    // RFC 7230 3.2.6 token characters.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

// Splits on `sep` outside quoted strings.
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"') quoted = !quoted;
        if (s[i] == sep && !quoted) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(s.substr(start));
    return out;
}

// A parameter value: a token or a quoted string of one (7.1: the value "must conform to the
// ABNF ... after any quoted-string unescaping"); nullopt when neither.
std::optional<std::string_view> param_value(std::string_view v) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (!is_token(v)) return std::nullopt;
    return v;
}

// Window bits: 1*DIGIT in 8..15, no leading zero (7.1.2.1).
std::optional<int> window_bits(std::string_view v) {
    if (v.empty() || v.size() > 2 || v.front() == '0') return std::nullopt;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n < 8 || n > 15) return std::nullopt;
    return n;
}

struct params {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    std::optional<int> server_max_window_bits;
    bool client_max_window_bits = false;
    std::optional<int> client_max_window_bits_value;
};

// One extension element: `name` and its parameters; nullopt when it is not a well-formed
// permessage-deflate element (the caller skips other extensions by name first).
std::optional<params> parse_element(std::string_view element, bool response) {
    const auto parts = split(element, ';');
    if (protocol::trim_ows(parts[0]) != extension_name) return std::nullopt;
    params p;
    bool seen[4] = {};
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const auto part = protocol::trim_ows(parts[i]);
        const auto eq = part.find('=');
        const auto name = protocol::trim_ows(part.substr(0, eq));
        std::optional<std::string_view> value;
        if (eq != std::string_view::npos) {
            value = param_value(protocol::trim_ows(part.substr(eq + 1)));
            if (!value) return std::nullopt;
        }
        if (name == "server_no_context_takeover" || name == "client_no_context_takeover") {
            const int k = name[0] == 's' ? 0 : 1;
            if (seen[k] || value) return std::nullopt;
            seen[k] = true;
            (k == 0 ? p.server_no_context_takeover : p.client_no_context_takeover) = true;
        } else if (name == "server_max_window_bits") {
            if (seen[2] || !value) return std::nullopt;
            seen[2] = true;
            p.server_max_window_bits = window_bits(*value);
            if (!p.server_max_window_bits) return std::nullopt;
        } else if (name == "client_max_window_bits") {
            if (seen[3]) return std::nullopt;
            seen[3] = true;
            p.client_max_window_bits = true;
            if (value) {
                p.client_max_window_bits_value = window_bits(*value);
                if (!p.client_max_window_bits_value) return std::nullopt;
            } else if (response) {
                return std::nullopt;  // a response must give the value (7.1.2.2)
            }
        } else {
            return std::nullopt;  // unknown parameter
        }
    }
    return p;
}

bool names_deflate(std::string_view element) {
    return protocol::trim_ows(split(element, ';')[0]) == extension_name;
}

}  // namespace

negotiated negotiate(const std::vector<std::string_view>& header_values) {
    negotiated out;
    for (const auto value : header_values) {
        for (const auto element : split(value, ',')) {
            if (!names_deflate(element)) continue;  // another extension: not ours to answer
            const auto p = parse_element(element, false);
            // The server's window is always 32 KiB (libdeflate), so only 15 can be honoured.
            if (!p || (p->server_max_window_bits && *p->server_max_window_bits != 15)) continue;
            out.accepted = true;
            out.response =
                "permessage-deflate; server_no_context_takeover; "
                "client_no_context_takeover";
            if (p->server_max_window_bits) out.response += "; server_max_window_bits=15";
            return out;
        }
    }
    return out;
}

client_answer check_response(std::string_view header_value) {
    client_answer out;
    const auto trimmed = protocol::trim_ows(header_value);
    if (trimmed.empty()) return {true, false};
    const auto elements = split(trimmed, ',');
    // We offer one extension, so the response may name one.
    if (elements.size() != 1 || !names_deflate(elements[0])) return out;
    const auto p = parse_element(elements[0], true);
    if (!p) return out;
    // Our inflater takes any window, and our messages stand alone whatever the server says.
    out.ok = true;
    out.deflate = true;
    return out;
}

}  // namespace kata::protocol::deflate
