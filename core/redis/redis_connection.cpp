#include "core/redis/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include <boost/asio/post.hpp>

namespace kata::redis {
namespace {

// What hiredis carries for one command until its reply: our handler, and whether the command
// counts for the reply watchdog (the handshake is timed by the connect deadline instead).
struct pending_request {
    redis_connection::reply_handler done;
    bool timed = false;
};

redis_reply copy_reply(const redisReply* r) {
    redis_reply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = redis_reply::kind::string;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = redis_reply::kind::status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = redis_reply::kind::error;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = redis_reply::kind::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = redis_reply::kind::array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i)
                out.elements.push_back(copy_reply(r->element[i]));
            break;
        default:
            break;
    }
    return out;
}

}  // namespace

redis_connection::redis_connection(boost::asio::io_context& io)
    : io_(io), connect_timer_(io), watchdog_(io) {}

redis_connection::~redis_connection() {
    on_down_ = nullptr;
    close();
}

void redis_connection::connect(const redis_url& url, const std::string& password,
                               std::chrono::milliseconds timeout, std::function<void()> on_up,
                               std::function<void(std::string)> on_down) {
    timeout_ = timeout;
    on_up_ = std::move(on_up);
    on_down_ = std::move(on_down);
    // A host name is resolved here, blocking the broker's thread briefly (hiredis 0.14 has no
    // async resolver); shard URLs are normally addresses or /etc/hosts names.
    ctx_ = redisAsyncConnect(url.host.c_str(), url.port);
    if (!ctx_ || ctx_->err) {
        fail(ctx_ ? std::string(ctx_->errstr) : std::string("cannot allocate a hiredis context"));
        return;
    }
    ctx_->data = this;
    // TCP keepalive (hiredis: 15 s): a pub/sub connection sends nothing, so a peer that vanished
    // without a reset would otherwise go unnoticed.
    redisEnableKeepAlive(&ctx_->c);
    socket_.emplace(io_, ctx_->c.fd);  // released, never closed: the fd stays hiredis'
    ctx_->ev.data = this;
    ctx_->ev.addRead = &add_read;
    ctx_->ev.delRead = &del_read;
    ctx_->ev.addWrite = &add_write;
    ctx_->ev.delWrite = &del_write;
    ctx_->ev.cleanup = &cleanup;
    // Setting the connect callback asks for the first write event, which completes the connect.
    redisAsyncSetConnectCallback(ctx_, [](const redisAsyncContext*, int) {});

    connect_timer_.expires_after(timeout);
    connect_timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        auto self = w.lock();
        if (!ec && self && !self->up_) self->fail("no connection within the connect timeout");
    });

    // The handshake is queued at once; hiredis sends it when the socket connects. PING ends it
    // so that a connection without AUTH or SELECT also learns that Redis answers.
    std::vector<std::vector<std::string>> handshake;
    if (!password.empty()) {
        if (url.user.empty())
            handshake.push_back({"AUTH", password});
        else
            handshake.push_back({"AUTH", url.user, password});
    }
    if (url.db != 0) handshake.push_back({"SELECT", std::to_string(url.db)});
    handshake.push_back({"PING"});
    for (std::size_t i = 0; i < handshake.size(); ++i) {
        const bool last = i + 1 == handshake.size();
        const auto what = handshake[i][0];
        auto* req = new pending_request{
            [w = weak_from_this(), last, what](std::optional<redis_reply> reply) {
                auto self = w.lock();
                if (!self || !reply || self->closing_) return;  // on_down reports the end
                if (reply->is_error()) return self->fail(what + " failed: " + reply->str);
                if (!last) return;
                self->up_ = true;
                self->connect_timer_.cancel();
                if (self->on_up_) self->on_up_();
            },
            false};
        std::vector<std::string_view> args(handshake[i].begin(), handshake[i].end());
        if (!send(args, &on_reply, req)) {
            delete req;
            return fail("cannot queue the handshake");
        }
    }
}

bool redis_connection::send(const std::vector<std::string_view>& args,
                            void (*fn)(redisAsyncContext*, void*, void*), void* privdata) {
    if (!ctx_ || closing_) return false;
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    return redisAsyncCommandArgv(ctx_, fn, privdata, static_cast<int>(args.size()), argv.data(),
                                 lens.data()) == REDIS_OK;
}

bool redis_connection::command(const std::vector<std::string>& args, reply_handler done) {
    if (!up()) return false;
    auto* req = new pending_request{std::move(done), true};
    std::vector<std::string_view> views(args.begin(), args.end());
    if (!send(views, &on_reply, req)) {
        delete req;
        return false;
    }
    sent_.push_back(std::chrono::steady_clock::now());
    arm_watchdog();
    return true;
}

bool redis_connection::subscribe(std::string_view channel) {
    if (!up() || !send({"SUBSCRIBE", channel}, &on_push, this)) return false;
    unconfirmed_.push_back({true, std::string(channel), std::chrono::steady_clock::now()});
    arm_watchdog();
    return true;
}

bool redis_connection::unsubscribe(std::string_view channel) {
    if (!up() || !send({"UNSUBSCRIBE", channel}, &on_push, this)) return false;
    unconfirmed_.push_back({false, std::string(channel), std::chrono::steady_clock::now()});
    arm_watchdog();
    return true;
}

void redis_connection::confirmed(const redis_reply& r) {
    if (!r.is_array() || r.elements.size() < 2) return;
    const auto& kind = r.elements[0].str;
    const bool sub = kind == "subscribe";
    if (!sub && kind != "unsubscribe") return;
    const auto it =
        std::find_if(unconfirmed_.begin(), unconfirmed_.end(), [&](const awaited_confirmation& a) {
            return a.subscribe == sub && a.channel == r.elements[1].str;
        });
    if (it != unconfirmed_.end()) unconfirmed_.erase(it);
}

void redis_connection::close() {
    if (closing_) return;
    closing_ = true;
    up_ = false;
    connect_timer_.cancel();
    watchdog_.cancel();
    // Inside a hiredis callback the free is deferred by hiredis until the callback returns; else
    // the cleanup hook has run (and cleared ctx_) when it returns, unless no hooks were attached.
    if (ctx_) redisAsyncFree(ctx_);
    if (!socket_) ctx_ = nullptr;
}

void redis_connection::fail(std::string reason) {
    if (closing_) return;
    auto down = std::move(on_down_);
    on_down_ = nullptr;
    close();
    if (down)
        boost::asio::post(io_,
                          [down = std::move(down), reason = std::move(reason)] { down(reason); });
}

std::optional<std::chrono::steady_clock::time_point> redis_connection::oldest_unanswered() const {
    std::optional<std::chrono::steady_clock::time_point> out;
    if (!sent_.empty()) out = sent_.front();
    if (!unconfirmed_.empty() && (!out || unconfirmed_.front().sent < *out))
        out = unconfirmed_.front().sent;
    return out;
}

void redis_connection::arm_watchdog() {
    const auto oldest = oldest_unanswered();
    if (watchdog_armed_ || !oldest) return;
    watchdog_armed_ = true;
    watchdog_.expires_at(*oldest + timeout_);
    watchdog_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        auto self = w.lock();
        if (!self) return;
        self->watchdog_armed_ = false;
        if (ec || self->closing_) return;
        const auto oldest = self->oldest_unanswered();
        if (!oldest) return;
        if (std::chrono::steady_clock::now() >= *oldest + self->timeout_)
            return self->fail("no reply within the timeout");
        self->arm_watchdog();
    });
}

void redis_connection::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    std::unique_ptr<pending_request> req(static_cast<pending_request*>(privdata));
    auto* self = static_cast<redis_connection*>(ac->data);
    if (!reply) {
        // The context is being freed: answer later, outside hiredis, so that a handler may
        // start new work (or drop this connection) safely.
        boost::asio::post(self->io_, [done = std::move(req->done)] { done(std::nullopt); });
        return;
    }
    if (req->timed && !self->sent_.empty()) self->sent_.pop_front();
    req->done(copy_reply(static_cast<redisReply*>(reply)));
}

void redis_connection::on_push(redisAsyncContext* ac, void* reply, void*) {
    auto* self = static_cast<redis_connection*>(ac->data);
    if (!reply || self->closing_) return;
    auto r = copy_reply(static_cast<redisReply*>(reply));
    self->confirmed(r);
    if (self->push_) self->push_(r);
}

void redis_connection::add_read(void* p) {
    auto* self = static_cast<redis_connection*>(p);
    self->want_read_ = true;
    self->arm_read();
}

void redis_connection::del_read(void* p) {
    static_cast<redis_connection*>(p)->want_read_ = false;
}

void redis_connection::add_write(void* p) {
    auto* self = static_cast<redis_connection*>(p);
    self->want_write_ = true;
    self->arm_write();
}

void redis_connection::del_write(void* p) {
    static_cast<redis_connection*>(p)->want_write_ = false;
}

void redis_connection::cleanup(void* p) {
    // hiredis frees the context right after this (and closes the fd): stop waiting on it.
    auto* self = static_cast<redis_connection*>(p);
    std::string reason = self->ctx_ && self->ctx_->err ? std::string(self->ctx_->errstr)
                                                       : std::string("connection closed");
    self->ctx_ = nullptr;
    self->want_read_ = self->want_write_ = false;
    if (self->socket_) {
        self->socket_->release();  // cancels the waits; the fd is not ours to close
        self->socket_.reset();
    }
    self->fail(std::move(reason));
}

void redis_connection::arm_read() {
    if (reading_ || !socket_) return;
    reading_ = true;
    socket_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [self = shared_from_this()](boost::system::error_code ec) {
                            self->reading_ = false;
                            if (ec || !self->ctx_) return;
                            if (self->want_read_) redisAsyncHandleRead(self->ctx_);
                            if (self->ctx_ && self->want_read_) self->arm_read();
                        });
}

void redis_connection::arm_write() {
    if (writing_ || !socket_) return;
    writing_ = true;
    socket_->async_wait(boost::asio::posix::stream_descriptor::wait_write,
                        [self = shared_from_this()](boost::system::error_code ec) {
                            self->writing_ = false;
                            if (ec || !self->ctx_) return;
                            if (self->want_write_) redisAsyncHandleWrite(self->ctx_);
                            if (self->ctx_ && self->want_write_) self->arm_write();
                        });
}

}  // namespace kata::redis
