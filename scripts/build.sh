#!/usr/bin/env bash
# Configures and builds kata-rt (Release) into build/. Extra arguments go to CMake's configure
# step, e.g. scripts/build.sh -DKATA_RT_SANITIZE=ON. BUILD_DIR overrides the folder, TARGET builds
# only the targets it names, space-separated (e.g. TARGET=kata-rt, TARGET="unit_tests e2e_tests").
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
# shellcheck disable=SC2086 # TARGET is a list of names
cmake --build "$build_dir" -j"${JOBS:-2}" ${TARGET:+--target $TARGET}
