#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) in build-fuzz, replays every committed
# seed corpus, then fuzzes each target for SECONDS seconds (default 60).
#
#   scripts/fuzz.sh [SECONDS]
#
# New inputs the fuzzer finds go to build-fuzz/corpus/<target>/, never to the committed corpus;
# a crash leaves its reproducer in build-fuzz/findings/<target>/. Fix the parser, then copy the
# reproducer into fuzz/corpus/<target>/ so the replay keeps guarding the fix.
# Environment: CXX (default clang++-14), JOBS (build parallelism, default 2).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${root}/build-fuzz"
targets=(fuzz_command fuzz_channel fuzz_credentials fuzz_publish_request fuzz_config
         fuzz_envelope_parser fuzz_frame_parser fuzz_directory_response fuzz_broker_message
         fuzz_disconnect_request)

CXX="${CXX:-clang++-14}" cmake -S "${root}" -B "${build}" -DKATA_RT_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "${build}" -j "${JOBS:-2}" --target "${targets[@]}"

# A property violation aborts through __builtin_trap; ASan/UBSan findings abort too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

for target in "${targets[@]}"; do
    seeds="${root}/fuzz/corpus/${target}"
    echo "== ${target}: replaying $(ls "${seeds}" | wc -l) seeds"
    "${build}/fuzz/${target}" -runs=0 "${seeds}" 2>"${build}/${target}.replay.log" || {
        cat "${build}/${target}.replay.log" >&2
        echo "FAIL: ${target} crashes on its committed corpus" >&2
        exit 1
    }
done

[[ "${seconds}" -gt 0 ]] || exit 0

for target in "${targets[@]}"; do
    scratch="${build}/corpus/${target}"
    findings="${build}/findings/${target}"
    mkdir -p "${scratch}" "${findings}"
    echo "== ${target}: fuzzing ${seconds}s"
    # The scratch dir comes first, so it is where libFuzzer writes new inputs; the committed
    # seeds are read only.
    if ! "${build}/fuzz/${target}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
        -dict="${root}/fuzz/dict/${target}.dict" -artifact_prefix="${findings}/" \
        -print_final_stats=1 "${scratch}" "${root}/fuzz/corpus/${target}" \
        2>"${build}/${target}.fuzz.log"; then
        tail -n 40 "${build}/${target}.fuzz.log" >&2
        echo "FAIL: ${target} found a crash; reproducer in ${findings}/" >&2
        exit 1
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "${build}/${target}.fuzz.log" |
        tail -n 1 || true
done
echo "fuzz: all ${#targets[@]} targets clean (${seconds}s each)"
