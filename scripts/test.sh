#!/usr/bin/env bash
# Quick start: install what is missing, build, and run every test (unit and end-to-end) with
# ctest. BUILD_DIR and extra CMake arguments as for build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 --timeout 120
