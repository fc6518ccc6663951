#!/usr/bin/env bash
# Builds the Debian package kata-rt_<version>_<arch>.deb into OUTDIR (default build/) with CPack:
# /usr/bin/kata-rt, the systemd unit kata-rt.service, an example config /etc/kata-rt/config.json
# (a conffile), the docs, a system user `kata-rt` made by postinst, and Depends from the shared
# libraries (dpkg-shlibdeps, in dpkg-dev). Builds the kata-rt target only, in BUILD_DIR (default
# build/, reused as it is configured; a new one is configured Release without tests). Prints the
# package's path.
#   scripts/package.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
out="${1:-build}"

for tool in cpack dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" >/dev/null; then
    echo "package: $tool not found: run scripts/setup.sh --runtime (cmake, dpkg-dev)" >&2
    exit 2
  fi
done

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DKATA_RT_TESTS=OFF -DKATA_RT_BENCH=OFF \
    >/dev/null
fi
if grep -q '^KATA_RT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "package: $build is a sanitizer build; give BUILD_DIR of a release build" >&2
  exit 2
fi
cmake --build "$build" -j"${JOBS:-2}" --target kata-rt

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# CPack's own work files stay in the temporary folder; only the .deb goes to OUTDIR.
build_abs="$(cd "$build" && pwd)"
(cd "$stage" && cpack --config "$build_abs/CPackConfig.cmake" -G DEB -B "$stage" \
  >"$stage/cpack.log" 2>&1) || {
  cat "$stage/cpack.log" >&2
  echo "package: cpack failed" >&2
  exit 1
}
deb="$(find "$stage" -maxdepth 1 -name 'kata-rt_*.deb' -print -quit)"
if [ -z "$deb" ]; then
  cat "$stage/cpack.log" >&2
  echo "package: cpack made no kata-rt_*.deb" >&2
  exit 1
fi
mv "$deb" "$out/"
echo "$out/$(basename "$deb")"
