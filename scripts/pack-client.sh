#!/usr/bin/env bash
# Packs the JavaScript client (web/client) as an npm tarball, with the repository's LICENSE, into
# OUTDIR (default build/), and prints the tarball's path. Install it into an app with
# `npm install <tarball>`. Needs npm; fetches nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

# One version: package.json must say what CMake's project(VERSION) says.
cmake_version="$(sed -nE 's/^project\([a-z_]+ VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)"
pkg_version="$(node -p 'require("./web/client/package.json").version')"
if [ "$cmake_version" != "$pkg_version" ]; then
  echo "pack-client: web/client/package.json version $pkg_version differs from CMakeLists.txt" \
       "project(VERSION $cmake_version)" >&2
  exit 1
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp web/client/package.json web/client/index.js web/client/index.d.ts web/client/README.md \
   LICENSE "$stage/"
name="$(cd "$stage" && npm pack --pack-destination "$out" --ignore-scripts --silent)"
echo "$out/$name"
