#!/usr/bin/env bash
# scripts/package.sh's .deb, checked without installing it: extracted with `dpkg-deb -x` into a
# temporary folder, its metadata read, and the extracted binary started on the example config
# (on a free port) until it serves /healthz and /metrics. Needs BUILD_DIR (the build to reuse)
# and KATA_RT_VERSION (CMake's project version), both set by ctest.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
: "${BUILD_DIR:?BUILD_DIR must name the build folder}"
: "${KATA_RT_VERSION:?KATA_RT_VERSION must be the project version}"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

deb="$(BUILD_DIR="$BUILD_DIR" "$repo/scripts/package.sh" "$work/out" | tail -n 1)"
arch="$(dpkg --print-architecture)"
[ "$(basename "$deb")" = "kata-rt_${KATA_RT_VERSION}_${arch}.deb" ] || fail "package name $deb"
[ -f "$deb" ] || fail "no package at $deb"

# Metadata: name, version, Depends from the shared libraries (plus adduser for the user).
[ "$(dpkg-deb -f "$deb" Package)" = kata-rt ] || fail "Package field"
[ "$(dpkg-deb -f "$deb" Version)" = "$KATA_RT_VERSION" ] || fail "Version field"
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libc6 libstdc++6 libssl3 libhiredis adduser; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
ctrl="$work/control"
mkdir -p "$ctrl"
dpkg-deb -e "$deb" "$ctrl"
grep -qx '/etc/kata-rt/config.json' "$ctrl/conffiles" || fail "config.json is not a conffile"
grep -q 'adduser --system' "$ctrl/postinst" || fail "postinst makes no system user"

# The files, where a Debian system expects them.
root="$work/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/kata-rt lib/systemd/system/kata-rt.service etc/kata-rt/config.json \
         usr/share/doc/kata-rt/copyright usr/share/doc/kata-rt/README.md \
         usr/share/doc/kata-rt/protocol.md; do
  [ -e "$root/$f" ] || fail "missing /$f"
done
grep -q '^ExecStart=/usr/bin/kata-rt serve --config /etc/kata-rt/config.json' \
  "$root/lib/systemd/system/kata-rt.service" || fail "unit does not start /usr/bin/kata-rt"
grep -q '^User=kata-rt' "$root/lib/systemd/system/kata-rt.service" || fail "unit user"
bin="$root/usr/bin/kata-rt"
[ "$("$bin" --version)" = "kata-rt $KATA_RT_VERSION" ] || fail "--version: $("$bin" --version)"
"$bin" serve --check-config --config "$root/etc/kata-rt/config.json" >/dev/null ||
  fail "the example config does not pass --check-config"

# The extracted binary serves with the example config (on a free port instead of 8080).
log="$work/serve.log"
"$bin" serve --config "$root/etc/kata-rt/config.json" --listen 127.0.0.1:0 2>"$log" &
server_pid=$!
port=""
deadline=$((SECONDS + 60))
while [ -z "$port" ]; do
  port="$(grep -oE 'listening on ws://127\.0\.0\.1:[0-9]+' "$log" | grep -oE '[0-9]+$' || true)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "serve exited: $(cat "$log")"
  [ "$SECONDS" -lt "$deadline" ] || fail "serve did not listen within 60 s: $(cat "$log")"
  sleep 0.1  # polling the log for the banner, with a deadline
done

get() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}
health="$(get /healthz)"
[[ "$health" == "HTTP/1.1 200"* ]] || fail "/healthz: $health"
metrics="$(get /metrics)"
[[ "$metrics" == *"kata_rt_build_info{version=\"$KATA_RT_VERSION\"} 1"* ]] ||
  fail "/metrics has no kata_rt_build_info for $KATA_RT_VERSION"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || fail "serve exited $status on SIGTERM: $(cat "$log")"
echo "ok: $(basename "$deb") installs /usr/bin/kata-rt, which serves its example config"
