#!/usr/bin/env python3
"""A stand-in for the application's side of the HTTP directory (docs/protocol.md "HTTP directory"), for
demos and `kata-rt loadtest` runs: one API key and every spec/agent id, all of team `load`.

    KATA_RT_API_KEY=... scripts/directory_backend.py --port 9000 --delay-ms 5

Standard library only. It is what an application team writes, minus their database: look the
digest up, answer 200 with the principal or 404.
"""
import argparse
import hashlib
import json
import os
import signal
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--delay-ms", type=float, default=5.0, help="added to every answer")
    parser.add_argument("--team", default="load")
    args = parser.parse_args()
    key = os.environ.get("KATA_RT_API_KEY")
    if not key:
        raise SystemExit("set KATA_RT_API_KEY: the one key this backend knows")
    digest = hashlib.sha256(key.encode()).hexdigest()
    counts = {"/kata-rt/authenticate": 0, "/kata-rt/owner": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's pool expects

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            time.sleep(args.delay_ms / 1000.0)
            counts[self.path] = counts.get(self.path, 0) + 1
            if self.path == "/kata-rt/authenticate" and body.get("sha256") == digest:
                self.answer(200, {"id": "loadtest", "team": args.team,
                                  "scopes": ["subscribe", "publish"]})
            elif self.path == "/kata-rt/owner" and body.get("kind") in ("spec", "agent"):
                self.answer(200, {"team": args.team})
            else:
                self.answer(404, {"error": "unknown"})

        def answer(self, status, doc):
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_):
            pass

    # The gateway opens up to pool_size connections at once: the default backlog of 5 would
    # drop SYNs and turn a burst into 1 s retransmits (timeouts at the gateway).
    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # also from a background job, where SIGINT is ignored
    signal.signal(signal.SIGINT, interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print(f"requests: {counts}", flush=True)


if __name__ == "__main__":
    main()
