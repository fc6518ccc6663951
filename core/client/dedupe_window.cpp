#include "core/client/dedupe_window.hpp"

namespace kata::client {

bool dedupe_window::insert(std::string_view event_id) {
    std::string id{event_id};
    if (seen_.contains(id)) return false;
    if (order_.size() == capacity_) {
        seen_.erase(order_.front());
        order_.pop_front();
    }
    seen_.insert(id);
    order_.push_back(std::move(id));
    return true;
}

}  // namespace kata::client
