#pragma once
// A real HTTP backend on 127.0.0.1 for the HTTP directory tests: a small Beast server on its own
// thread that answers POST /authenticate and POST /owner from tables the test controls, with
// an optional delay, a gate that holds every answer until released, forced failures, ways to
// break HTTP framing (interim answers, extra bytes, a cut body), and a record of every request
// it saw and of the connection it came on.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kata::e2e {

class directory_backend {
  public:
    struct answer {
        unsigned status = 200;
        std::string body;
    };
    struct seen_request {
        std::string target;
        std::string body;
        std::map<std::string, std::string> headers;
        int connection = 0;  // 1 for the first connection accepted, 2 for the next, ...
    };
    // How every answer is framed on the wire.
    enum class framing {
        normal,
        early_hints,          // two interim `103 Early Hints` (each written alone), then it
        switching_protocols,  // `101 Switching Protocols` and it, in one write
        doubled,              // it twice, in one write
        trailing_garbage,     // it and a line of garbage, in one write
        late_extra,           // it, then once it is written, a copy of it in a write of its own
        cut_body,             // its head and half its body; the connection stays open
    };
    // What the backend answered, and when it wrote it: `subject` is the sha256 asked about for
    // /authenticate, "kind:id" for /owner ("" when the body did not say).
    struct given_answer {
        std::string target;
        std::string subject;
        answer sent;
        std::chrono::steady_clock::time_point at;
    };

    directory_backend();
    ~directory_backend();
    directory_backend(const directory_backend&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const;  // http://127.0.0.1:PORT/kata-rt

    // Tables: sha256 hex -> answer for /authenticate; "spec:ID" / "agent:ID" -> for /owner.
    // Anything not listed answers 404.
    void set_credential(const std::string& sha256, answer a);
    void forget_credential(const std::string& sha256);
    void set_owner(const std::string& kind_and_id, answer a);
    // Every answer, whatever the tables say (e.g. {500, ""} or {200, "not json"}).
    void force(std::optional<answer> a);
    void set_delay(std::chrono::milliseconds d);
    // Holds every answer until release() (then they go out, and later ones at once).
    void hold();
    void release();
    void set_framing(framing f);
    // Closes the listener and every connection: later requests are refused.
    void stop();

    int authenticate_count() const { return authenticate_count_.load(); }
    int owner_count() const { return owner_count_.load(); }
    std::vector<seen_request> requests() const;
    std::vector<given_answer> answers() const;
    // Requests whose every byte of answer (extras included) was written, or failed to be.
    int answers_done() const { return answers_done_.load(); }
    // True once the backend saw connection `n` (as in seen_request) closed by the gateway.
    bool connection_closed(int n) const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::uint16_t port_ = 0;
    std::atomic<int> authenticate_count_{0};
    std::atomic<int> owner_count_{0};
    std::atomic<int> answers_done_{0};
    friend struct impl;
};

}  // namespace kata::e2e
