#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/auth/async_directory.hpp"

namespace kata::auth {

// The answers of a remote directory: a bounded LRU cache with a TTL for found answers and a
// shorter one for not_found, plus the table of lookups in flight, so that identical lookups
// (a reconnect storm of one key, a hundred subscribes to one spec) cost one backend request.
// `unavailable` is never cached: the next lookup asks again.
//
// Not locked and clock-free: the owner holds a mutex around every call and passes `now`, so the
// unit tests drive time by hand.
template <class T>
class coalescing_cache {
  public:
    using clock = std::chrono::steady_clock;
    struct settings {
        std::chrono::milliseconds ttl{10000};
        std::chrono::milliseconds negative_ttl{1000};
        std::size_t capacity = 100000;
    };

    // What begin() decided. `cached`: answer now with it (`done` was left untouched). Otherwise
    // `done` was moved in to wait for complete(); `fetch` is true for the first waiter only: its
    // caller sends the one request.
    struct begin_result {
        std::optional<lookup_result<T>> cached;
        bool fetch = false;
        std::uint64_t generation = 0;  // pass back to complete()
    };

    explicit coalescing_cache(settings s) : settings_(s) {}

    begin_result begin(const std::string& key, clock::time_point now, lookup_callback<T>& done) {
        if (auto hit = find(key, now)) return {std::move(hit), false, generation_};
        auto& waiters = in_flight_[key];
        waiters.push_back(std::move(done));
        return {std::nullopt, waiters.size() == 1, generation_};
    }

    // The same without the cached answer: re-validation asks the backend afresh (a found answer
    // may be up to a TTL old), yet rides along with a request already in flight, which is fresh.
    begin_result begin_fresh(const std::string& key, lookup_callback<T>& done) {
        auto& waiters = in_flight_[key];
        waiters.push_back(std::move(done));
        return {std::nullopt, waiters.size() == 1, generation_};
    }

    // The backend answered (or failed) the request for `key`: caches the answer unless clear()
    // ran since the request started (its answer may predate the change that prompted it), and
    // hands back every waiter, to be called outside the owner's lock.
    std::vector<lookup_callback<T>> complete(const std::string& key, const lookup_result<T>& r,
                                             clock::time_point now, std::uint64_t generation) {
        std::vector<lookup_callback<T>> waiters;
        if (auto it = in_flight_.find(key); it != in_flight_.end()) {
            waiters = std::move(it->second);
            in_flight_.erase(it);
        }
        if (generation == generation_ && r.status != lookup_status::unavailable) store(key, r, now);
        return waiters;
    }

    // SIGHUP: forgets every answer. Lookups in flight still complete, but their answers are not
    // kept.
    void clear() {
        lru_.clear();
        index_.clear();
        ++generation_;
    }

    // Forgets the answers for which `pred(key, value)` holds. Lookups in flight still complete,
    // but their answers are not kept (one of them may be for a forgotten credential).
    template <class Pred>
    std::size_t erase_if(Pred pred) {
        std::size_t n = 0;
        for (auto it = lru_.begin(); it != lru_.end();) {
            if (pred(it->key, it->value)) {
                index_.erase(it->key);
                it = lru_.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        ++generation_;
        return n;
    }

    // Every waiter of every lookup in flight (shutdown: they are failed).
    std::vector<lookup_callback<T>> take_all_waiters() {
        std::vector<lookup_callback<T>> all;
        for (auto& [key, waiters] : in_flight_) {
            for (auto& w : waiters)
                all.push_back(std::move(w));
        }
        in_flight_.clear();
        return all;
    }

    std::size_t size() const { return index_.size(); }
    std::size_t in_flight() const { return in_flight_.size(); }
    std::size_t waiting() const {
        std::size_t n = 0;
        for (const auto& [key, waiters] : in_flight_)
            n += waiters.size();
        return n;
    }

  private:
    struct entry {
        std::string key;
        lookup_result<T> value;
        clock::time_point expires;
    };

    std::optional<lookup_result<T>> find(const std::string& key, clock::time_point now) {
        const auto it = index_.find(key);
        if (it == index_.end()) return std::nullopt;
        if (now >= it->second->expires) {
            lru_.erase(it->second);
            index_.erase(it);
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
        return it->second->value;
    }

    void store(const std::string& key, const lookup_result<T>& r, clock::time_point now) {
        if (settings_.capacity == 0) return;
        const auto ttl = r.status == lookup_status::found ? settings_.ttl : settings_.negative_ttl;
        if (ttl.count() <= 0) return;
        if (const auto it = index_.find(key); it != index_.end()) {
            lru_.erase(it->second);
            index_.erase(it);
        }
        while (index_.size() >= settings_.capacity) {
            index_.erase(lru_.back().key);
            lru_.pop_back();
        }
        lru_.push_front(entry{key, r, now + ttl});
        index_.emplace(key, lru_.begin());
    }

    settings settings_;
    std::list<entry> lru_;
    std::unordered_map<std::string, typename std::list<entry>::iterator> index_;
    std::unordered_map<std::string, std::vector<lookup_callback<T>>> in_flight_;
    std::uint64_t generation_ = 0;
};

}  // namespace kata::auth
