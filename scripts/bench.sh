#!/usr/bin/env bash
# Builds the Google Benchmark programs (Release, g++ unless CXX says otherwise) in build-bench,
# runs each one, writes its JSON to bench-results/<program>.json and prints one table of all.
#
#   scripts/bench.sh [extra Google Benchmark flags, e.g. --benchmark_filter=Hub]
#
# Environment: CXX, JOBS (build parallelism, default 2), BENCHES (programs to run, default all).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${root}/build-bench"
out="${root}/bench-results"
read -r -a benches <<<"${BENCHES:-hub_fanout_bench protocol_bench loopback_fanout_bench frame_bench}"

cmake -S "${root}" -B "${build}" -DCMAKE_BUILD_TYPE=Release -DKATA_RT_TESTS=OFF >/dev/null
if ! cmake --build "${build}" -j "${JOBS:-2}" --target "${benches[@]}" >"${build}/bench-build.log" 2>&1
then
    cat "${build}/bench-build.log" >&2
    exit 1
fi
mkdir -p "${out}"

for bench in "${benches[@]}"; do
    echo "== ${bench}" >&2
    "${build}/bench/${bench}" --benchmark_out="${out}/${bench}.json" \
        --benchmark_out_format=json "$@" >/dev/null
done

# One row per benchmark: time per iteration, throughput, and the counters that carry the goals.
python3 - "${benches[@]/#/${out}/}" <<'PY'
import json, sys

def si(v, unit=""):
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= factor:
            return f"{v / factor:.3g} {prefix}{unit}"
    for factor, prefix in ((1e-9, "n"), (1e-6, "µ"), (1e-3, "m")):
        if abs(v) < factor * 1000 and v != 0:
            return f"{v / factor:.3g} {prefix}{unit}"
    return f"{v:.3g} {unit}"

print("| benchmark | time/iter | throughput | allocs/delivery | time/delivery |")
print("| --- | --- | --- | --- | --- |")
for path in sys.argv[1:]:
    with open(path + ".json") as f:
        doc = json.load(f)
    for b in doc["benchmarks"]:
        if b.get("error_occurred"):
            print(f"| {b['name']} | error: {b.get('error_message', '')} | | | |")
            continue
        t = f"{b['real_time']:.4g} {b['time_unit']}"
        if "items_per_second" in b:
            rate = si(b["items_per_second"], "deliveries/s")
        elif "bytes_per_second" in b:
            rate = si(b["bytes_per_second"], "B/s")
        else:
            rate = ""
        allocs = f"{b['allocs_per_delivery']:.3g}" if "allocs_per_delivery" in b else ""
        per = si(b["time_per_delivery"], "s") if "time_per_delivery" in b else ""
        print(f"| {b['name']} | {t} | {rate} | {allocs} | {per} |")
PY
