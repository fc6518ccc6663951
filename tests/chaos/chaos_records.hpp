#pragma once
// What the chaos run saw, written by the load threads and read by the checker after the run:
// every publish attempt and its answer, every subscriber's timeline per channel, every readiness
// probe, every fault, and what the intruders got.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace kata::chaos {

using steady = std::chrono::steady_clock;

// Keys the directory backend knows (and one it does not), and the channels of the run.
inline const std::string publisher_key = "chaos-key-publisher";    // team t1, scope publish
inline const std::string subscriber_key = "chaos-key-subscriber";  // team t1, scope subscribe
inline const std::string intruder_key = "chaos-key-intruder";      // unknown: 404
inline const std::vector<std::string> channels = {"spec:c0", "spec:c1", "spec:c2", "spec:c3"};
inline const std::string forbidden_channel = "spec:f0";  // owned by team t2
inline const std::string intruder_channel = "spec:i0";   // owned by t1, nobody subscribes

struct publish_attempt {
    int node = 0;
    std::string channel;
    std::vector<int> ns;  // payload {"n": ...} of each event, in request order
    steady::time_point start, end;
    int status = 0;  // 0: no answer (the events may or may not be stored)
    // Per event: its id when the answer says it was stored ("" otherwise).
    std::vector<std::string> ids;
    std::vector<bool> refused;  // per event: the answer says it was not stored
};

struct timeline_entry {
    enum kind_t { event, told, fresh, granted } kind = event;
    int n = -1;      // event: its payload's n
    std::string id;  // event: its eventId
    steady::time_point at;
    steady::time_point asked;  // granted: when the subscribe was sent
};

struct subscriber_record {
    std::string name;
    int node = 0;
    std::map<std::string, std::vector<timeline_entry>> timeline;  // per channel
    // Connections the server admitted: when the upgrade was sent and when it was first answered.
    std::vector<std::pair<steady::time_point, steady::time_point>> admitted;
    std::map<int, int> closes;          // close code -> count
    std::vector<std::string> oddities;  // frames a subscriber cannot explain
};

struct readiness_sample {
    int node = 0;
    steady::time_point at;
    int status = 0;
};

struct fault_record {
    std::string what;  // e.g. "node 1 redis cut"
    int node = 0;
    bool loses_shard = false;  // every connection to Redis cut or hung for the whole duration
    steady::time_point start, end;
};

// Things that must never happen, seen directly by the load threads.
struct breach {
    std::string what;
    steady::time_point at;
};

}  // namespace kata::chaos
