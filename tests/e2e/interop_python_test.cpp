// permessage-deflate with Python's `websockets` (Debian python3-websockets), which offers it by
// default: one client negotiates it, another offers nothing; both subscribe to the same channel
// (the first one's subscribe goes compressed), an event big enough to be compressed is
// published, and both must receive exactly the same text.
#include <sys/wait.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "prometheus_process.hpp"
#include "server_support.hpp"

namespace kata::e2e {
namespace {

constexpr const char* python = "/usr/bin/python3";

constexpr const char* script = R"PY(
import asyncio, json, sys, urllib.request
import websockets

port, key = sys.argv[1], sys.argv[2]
url = f"ws://127.0.0.1:{port}/v1/ws"
line = " ".join(f"2026-12-07T20:41:{i % 60:02d}Z INFO [agent-7f3a] Compiling serde v1.0.{i}"
                for i in range(40))

async def subscriber(compression):
    ws = await websockets.connect(url, subprotocols=["kata-rt.v1"], compression=compression,
                                  extra_headers={"Authorization": "Bearer " + key})
    await ws.send(json.dumps({"type": "subscribe", "channel": "team:t1", "requestId": "s" * 120}))
    while json.loads(await ws.recv())["type"] != "subscribed":
        pass
    return ws

async def next_event(ws):
    while True:
        text = await ws.recv()
        if json.loads(text)["type"] == "log_entry":
            return text

async def main():
    deflated = await subscriber("deflate")
    plain = await subscriber(None)
    body = json.dumps({"channel": "team:t1", "type": "log_entry", "payload": {"line": line}})
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/publish", data=body.encode(),
                                 headers={"Authorization": "Bearer " + key,
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()
    a = await next_event(deflated)
    b = await next_event(plain)
    print(json.dumps({
        "extensions": deflated.response_headers.get("Sec-WebSocket-Extensions", ""),
        "plain_extensions": plain.response_headers.get("Sec-WebSocket-Extensions", ""),
        "same": a == b,
        "line_ok": json.loads(a)["payload"]["line"] == line,
        "bytes": len(a)}))
    await deflated.close()
    await plain.close()

asyncio.run(asyncio.wait_for(main(), 30))
)PY";

bool has_websockets() {
    return std::system((std::string(python) + " -c 'import websockets' 2>/dev/null").c_str()) == 0;
}

TEST(Interop, PythonWebsocketsNegotiatesDeflateAndReadsWhatAPlainClientReads) {
    if (!has_websockets()) GTEST_SKIP() << "python3-websockets is not installed (scripts/setup.sh)";
    running_server server;
    char path[] = "/tmp/kata-rt-interop-XXXXXX.py";
    const int fd = mkstemps(path, 3);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << script;
    const std::string cmd = std::string(python) + " " + path + " " + std::to_string(server.port()) +
                            " " + key_t1 + " 2>&1";
    std::string output;
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr)
        output += buf;
    const int status = pclose(pipe);
    std::remove(path);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
    const auto result = json::parse(output);
    EXPECT_EQ(result["extensions"],
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    EXPECT_EQ(result["plain_extensions"], "");
    EXPECT_TRUE(result["same"].get<bool>()) << output;
    EXPECT_TRUE(result["line_ok"].get<bool>()) << output;
    // The event went out compressed once, to the one subscriber that asked for it.
    const auto metrics = http_request(server.port(), "GET", "/metrics").text;
    EXPECT_EQ(metric_value(metrics, "kata_rt_event_compressions_total"), 1) << metrics;
}

}  // namespace
}  // namespace kata::e2e
