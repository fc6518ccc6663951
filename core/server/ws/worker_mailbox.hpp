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
    // Any thread: whether the caller runs on the worker's thread (false once the worker is gone).
    bool on_this_thread() {
        std::lock_guard lock(mutex_);
        return ioc_ != nullptr && ioc_->get_executor().running_in_this_thread();
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
