#!/usr/bin/env bash
# Quick start: install what is missing to build and run the server (scripts/setup.sh --runtime:
# no browser, Prometheus or Redis), build, and run `kata-rt serve` on its embedded dev defaults
# (127.0.0.1:8080, a generated API key printed on stderr). Arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime   # build and runtime dependencies only
TARGET=kata-rt scripts/build.sh
exec build/kata-rt serve "$@"
