#pragma once
// Asio/Beast names used by the server's I/O files. Only those files include this header.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace kata::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

using ws_stream = websocket::stream<beast::tcp_stream>;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

// Coroutine completion token that reports errors as values instead of exceptions.
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace kata::server
