#!/usr/bin/env bash
# Starts the built `kata-rt serve` on a free loopback port and runs a short `kata-rt loadtest`
# against it that fails on any lost message. Usage: scripts/load_smoke.sh [path/to/kata-rt]
set -euo pipefail
bin="${1:-build/kata-rt}"
log=$(mktemp)
export KATA_RT_API_KEY="smoke_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$bin" serve --listen 127.0.0.1:0 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
port=""
for _ in $(seq 100); do
  port=$(grep -oE 'listening on ws://127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  # Waiting for a child process to print its port: the one poll in the project, bounded to 10 s.
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start"; cat "$log"; exit 1; }
"$bin" loadtest --url "ws://127.0.0.1:$port/v1/ws" --connections 300 --channels 3 --rate 300 \
  --duration 10s --ramp 2s --server-pid "$pid" --threshold 'loss==0' --threshold 'p99<500ms'
