#include "cluster_support.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <stdexcept>

namespace kata::e2e {
namespace {

struct context_deleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

reply_ptr run(redisContext* c, const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()),
                                                        args.data(), lengths.data()));
    if (r == nullptr) throw std::runtime_error(std::string("redis: ") + c->errstr);
    return reply_ptr(r);
}

std::unique_ptr<redisContext, context_deleter> connect(std::uint16_t port) {
    const timeval timeout{5, 0};
    std::unique_ptr<redisContext, context_deleter> c(
        redisConnectWithTimeout("127.0.0.1", port, timeout));
    if (!c || c->err) throw std::runtime_error("redis: cannot connect");
    redisSetTimeout(c.get(), timeout);
    return c;
}

}  // namespace

config::server_config cluster_config(const std::vector<std::string>& urls) {
    auto cfg = test_config();
    cfg.broker.type = "redis";
    cfg.broker.urls = urls;
    return cfg;
}

void publish_seq(std::uint16_t port, const std::string& channel, int from, int to,
                 const std::string& key) {
    json batch = json::array();
    for (int i = from; i < to; ++i)
        batch.push_back({{"channel", channel}, {"type", "log_entry"}, {"payload", {{"seq", i}}}});
    const auto res = publish(port, key, {{"events", batch}});
    ASSERT_EQ(res.status, 200) << res.text;
}

std::string redis_command(std::uint16_t port, const std::vector<std::string>& argv) {
    auto c = connect(port);
    const auto r = run(c.get(), argv);
    if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
    if (r->str != nullptr) return std::string(r->str, r->len);
    return {};
}

std::size_t redis_keys(std::uint16_t port, const std::string& pattern) {
    auto c = connect(port);
    std::size_t count = 0;
    std::string cursor = "0";
    do {
        const auto r = run(c.get(), {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
        cursor = std::string(r->element[0]->str, r->element[0]->len);
        count += r->element[1]->elements;
    } while (cursor != "0");
    return count;
}

}  // namespace kata::e2e
