#!/usr/bin/env bash
# Installs what kata-rt needs on Debian 12, and nothing else. Idempotent: it asks apt only for
# packages that are missing. Uses sudo when not root.
#   scripts/setup.sh             everything: build, run, test, fuzz, benchmark, the browser tests
#   scripts/setup.sh --runtime   only what building and running the server needs
set -euo pipefail

runtime_only=false
case "${1:-}" in
  "") ;;
  --runtime) runtime_only=true ;;
  -h|--help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  *) echo "setup: unknown argument '$1' (use --runtime or nothing)" >&2; exit 2 ;;
esac

# Building and running `kata-rt` (and scripts/package.sh: build-essential brings dpkg-dev, whose
# dpkg-shlibdeps computes the .deb's Depends).
packages=(
  build-essential cmake pkg-config
  libboost1.81-dev        # Asio and Beast (not the 1.74 default)
  libcli11-dev nlohmann-json3-dev libssl-dev
  libhiredis-dev          # the Redis broker's client
  libdeflate-dev          # permessage-deflate (WebSocket compression)
)
if ! $runtime_only; then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    clang-14 libclang-rt-14-dev   # libFuzzer targets
    libtsan2                      # ThreadSanitizer runtime for GCC 12 (KATA_RT_TSAN, CI's TSan stage)
    curl python3-websockets       # the interoperability example
    chromium                      # headless browser for the dev page's tests (web/browser-test)
    prometheus                    # promtool checks /metrics; a real scrape in the e2e tests
    redis-server                  # the Redis broker (several nodes) and its tests
  )
  # Node 20 and its npm come with the machine image (not Debian's npm, whose install conflicts
  # with it); the JavaScript client's tests (ctest label `web`) need both and are left out
  # without them.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup: WARNING: node and npm not found: the JavaScript client's tests (web/) will not" \
         "run. Install Node.js 20 with its own npm (not Debian's npm package)." >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  if $runtime_only; then
    echo "setup: the build and runtime dependencies are installed"
  else
    echo "setup: all build dependencies are installed"
  fi
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
