#pragma once
// Awaiting an async_directory lookup from a coroutine on a worker: the answer, from whatever
// thread it comes (the HTTP directory's, or inline on a cache hit), resumes the coroutine on the
// worker's thread through its mailbox. No timer: the directory itself enforces the deadline.
#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>

#include "core/auth/async_directory.hpp"
#include "core/server/beast_types.hpp"
#include "core/server/worker.hpp"

namespace kata::server {

// `start(callback)` begins the lookup.
template <class T, class Start>
asio::awaitable<auth::lookup_result<T>> await_lookup(worker& w, Start start) {
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                            void(auth::lookup_result<T>)>(
        [&w, &start](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            start(auth::lookup_callback<T>([h, mailbox = w.mailbox()](auth::lookup_result<T> r) {
                mailbox->post([h, r = std::move(r)]() mutable { std::move (*h)(std::move(r)); });
            }));
        },
        asio::use_awaitable);
}

}  // namespace kata::server
