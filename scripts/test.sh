#!/usr/bin/env bash
# Quick start: install what is missing, build, and run every test (unit and end-to-end) with
# ctest. BUILD_DIR and extra CMake arguments as for build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh "$@"
# The JavaScript packages' pinned dev dependencies (ws, typescript, playwright-core), from their
# committed lock files.
if command -v npm >/dev/null; then
  while IFS= read -r lock; do
    (cd "$(dirname "$lock")" && npm ci --no-audit --no-fund --loglevel=error)
  done < <(find web -name package-lock.json -not -path '*/node_modules/*' | sort)
fi
# The chaos run (label chaos, about two minutes of faults and checks) has its own CI step:
# ctest --test-dir build -L chaos.
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 --timeout 120 -LE chaos
