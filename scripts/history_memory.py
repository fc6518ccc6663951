#!/usr/bin/env python3
"""RSS per held history event on a running kata-rt server, as docs/performance.md reports it.

Usage: scripts/history_memory.py PID PORT KEY [CHANNELS]
KEY needs the publish_any scope; history.ttl_ms must outlive the run. Publishes 200 events to
each channel (warm-up), then 500 more, and prints the marginal RSS per event of the second part."""
import http.client
import json
import sys

pid, port, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
channels = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
conn = http.client.HTTPConnection("127.0.0.1", port)


def rss():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024


def publish(rounds, base):
    for r in range(rounds):
        for ch in range(channels):
            events = [{"channel": f"team:c{ch}", "type": "log_entry",
                       "payload": {"n": base + r * 100 + i}} for i in range(100)]
            conn.request("POST", "/v1/publish", json.dumps({"events": events}),
                         {"Authorization": "Bearer " + key})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"publish answered {answer.status}")


publish(2, 0)
before = rss()
publish(5, 1000)
after = rss()
held = channels * 500
print(f"events={held} rss_before={before} rss_after={after} bytes_per_event={(after - before) / held:.1f}")
