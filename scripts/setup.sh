#!/usr/bin/env bash
# Installs what kata-rt needs to build and test on Debian 12, and nothing else. Idempotent: it
# asks apt only for packages that are missing. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libboost1.81-dev        # Asio and Beast (not the 1.74 default)
  libcli11-dev nlohmann-json3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev   # libFuzzer targets
  curl python3-websockets       # the README's interoperability example
  chromium                      # headless browser for the dev page's tests (web/browser-test)
  prometheus                    # promtool checks /metrics; a real scrape in the e2e tests
  redis-server libhiredis-dev   # the Redis broker (several nodes) and its tests
  libdeflate-dev                # permessage-deflate (WebSocket compression)
)

# Node 20 and its npm come with the machine image (not Debian's npm, whose install conflicts with
# it); the JavaScript client's tests (ctest label `web`) need both and are left out without them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: WARNING: node and npm not found: the JavaScript client's tests (web/) will not" \
       "run. Install Node.js 20 with its own npm (not Debian's npm package)." >&2
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all build dependencies are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
