#!/usr/bin/env python3
"""Server RSS per idle subscribed WebSocket connection, as docs/performance.md reports it.

Usage: scripts/idle_memory.py PID PORT KEY N [CHANNEL]
Opens N plain-socket WebSocket connections to 127.0.0.1:PORT (Authorization: Bearer KEY), has
each subscribe to CHANNEL (default team:dev, the dev-mode team), waits for every `subscribed`,
then compares the server's VmRSS with the reading taken before the first connection."""
import base64
import json
import os
import resource
import selectors
import socket
import sys
import time

pid, port, key, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
channel = sys.argv[5] if len(sys.argv) > 5 else "team:dev"
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss():
    with open(f"/proc/{pid}/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmRSS"))


def masked_text(text):
    data, mask = text.encode(), os.urandom(4)
    head = bytes([0x81, 0x80 | len(data)])  # commands here are under 126 bytes
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


upgrade = ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {}\r\nAuthorization: Bearer {}\r\n\r\n")
subscribe = masked_text(json.dumps({"type": "subscribe", "channel": channel}))
before = rss()
selector = selectors.DefaultSelector()
sockets, ready, started = [], 0, time.time()
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(upgrade.format(base64.b64encode(os.urandom(16)).decode(), key).encode() + subscribe)
    s.setblocking(False)
    selector.register(s, selectors.EVENT_READ, bytearray())
    sockets.append(s)
    # Keep at most 256 handshakes in flight, and wait for all at the end.
    while len(sockets) - ready > 256 or (i == count - 1 and ready < count):
        for k, _ in selector.select(timeout=10):
            chunk = k.fileobj.recv(65536)
            if not chunk:
                raise SystemExit(f"the server closed a connection after {ready} were ready")
            k.data.extend(chunk)
            if b'"subscribed"' in k.data:
                selector.unregister(k.fileobj)
                ready += 1
        if time.time() - started > 180:
            raise SystemExit(f"timed out with {ready} of {count} subscribed")
time.sleep(1)  # let the server finish the turn that answered the last one
after = rss()
print(f"connections={count} rss_before={before} rss_after={after} "
      f"bytes_per_connection={(after - before) // count}")
