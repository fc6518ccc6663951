#!/usr/bin/env bash
# A local cluster to try: one redis-server on 127.0.0.1:${REDIS_PORT:-6390} (no persistence) and
# two kata-rt nodes in dev mode on 127.0.0.1:8080 and 127.0.0.1:8081 sharing it, with one dev API
# key (KATA_RT_API_KEY, generated when unset). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
TARGET=kata-rt scripts/build.sh
redis_port="${REDIS_PORT:-6390}"
export KATA_RT_API_KEY="${KATA_RT_API_KEY:-$(openssl rand -hex 24)}"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
pids+=($!)
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1  # polling for readiness, bounded: 10 s
done
redis-cli -p "$redis_port" ping >/dev/null

for port in 8080 8081; do
  build/kata-rt serve --listen "127.0.0.1:$port" --redis "redis://127.0.0.1:$redis_port" &
  pids+=($!)
done
echo "cluster: redis on 127.0.0.1:$redis_port, nodes on 8080 and 8081; API key: $KATA_RT_API_KEY" >&2
wait -n
