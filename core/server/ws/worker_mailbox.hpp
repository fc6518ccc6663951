#pragma once
#include <mutex>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace kata::server {

// Where an answer from another thread (the HTTP directory's) is posted to reach a worker: it
// outlives the worker, and once the worker is gone posting is a no-op instead of a use of a dead
// io_context.
class worker_mailbox {
  public:
    explicit worker_mailbox(boost::asio::io_context& ioc) : ioc_(&ioc) {}

    template <class Fn>
    void post(Fn&& fn) {
        std::lock_guard lock(mutex_);
        if (ioc_ != nullptr) boost::asio::post(*ioc_, std::forward<Fn>(fn));
    }
    void close() {
        std::lock_guard lock(mutex_);
        ioc_ = nullptr;
    }

  private:
    std::mutex mutex_;
    boost::asio::io_context* ioc_;
};

}  // namespace kata::server
