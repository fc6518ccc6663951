#pragma once
// Awaiting an answer that comes from another thread (an async_directory lookup, the broker) from
// a coroutine on a worker: the answer, from whatever thread it comes (or inline), resumes the
// coroutine on the worker's thread through its mailbox. No timer: whoever answers enforces the
// deadline.
#include <functional>
#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>

#include "core/auth/async_directory.hpp"
#include "core/server/ops/beast_types.hpp"
#include "core/server/ws/worker.hpp"

namespace kata::server {

// `start(callback)` begins the work; `callback(R)` answers it.
template <class R, class Start>
asio::awaitable<R> await_answer(worker& w, Start start) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
        [&w, &start](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            start(std::function<void(R)>([h, mailbox = w.mailbox()](R r) {
                mailbox->post([h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
            }));
        },
        asio::use_awaitable);
}

template <class T, class Start>
asio::awaitable<auth::lookup_result<T>> await_lookup(worker& w, Start start) {
    return await_answer<auth::lookup_result<T>>(w, std::move(start));
}

}  // namespace kata::server
