#!/usr/bin/env bash
# Fuzzes queuectl's parsers with libFuzzer: builds QueueSystem and QueueCore once with coverage and AddressSanitizer,
# links each harness Tests/Fuzz/<target>.swift to it, runs each for N seconds; non-zero exit on any crash.
#
# Usage: Tests/Fuzz/run.sh [seconds-per-target] [target...]     (default: 15 seconds, every target)
# Seeds are read from Tests/Fuzz/corpus/<target>/ and never written; inputs found during the run
# live in a temporary folder. A crashing input is kept in .build/fuzz-artifacts/<target>/ (or
# $FUZZ_ARTIFACTS). To reproduce one, copy it into Tests/Fuzz/corpus/<target>/ and run
# `Tests/Fuzz/run.sh 1 <target>` (seeds run first); FUZZ_KEEP=1 keeps the binaries in $TMPDIR.
set -euo pipefail

seconds=${1:-15}
shift $(( $# > 0 ? 1 : 0 ))
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
artifacts=${FUZZ_ARTIFACTS:-$root/.build/fuzz-artifacts}

if [[ $(uname -s) != Linux ]]; then
    echo "fuzz: skipped: swiftc -sanitize=fuzzer needs the Linux toolchain"
    exit 0
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "fuzz: seconds per target must be a positive integer, got '$seconds'" >&2
    exit 2
fi

# The largest input each target is given: a job file, a file name (NAME_MAX), a batch, a config.
declare -A max_len=([JobRecord]=4096 [FileName]=255 [JSONLinesBatch]=8192 [Config]=2048)
targets=("$@")
if (( ${#targets[@]} == 0 )); then targets=(JobRecord FileName JSONLinesBatch Config); fi
for target in "${targets[@]}"; do
    if [[ ! -f $here/$target.swift || -z ${max_len[$target]:-} ]]; then
        echo "fuzz: unknown target '$target' (known: ${!max_len[*]})" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/queuectl-fuzz.XXXXXX")
if [[ -z ${FUZZ_KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "fuzz: keeping $work"; fi

# -O as a release build is; -g for readable stack traces; lld avoids gold's flood of ASan warnings.
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -use-ld=lld)
log=$work/build-QueueCore.log

echo "fuzz: building QueueSystem and QueueCore with -sanitize=fuzzer,address (about a minute)"
mkdir -p "$work/lib" "$work/src"
# Build from a copy, so that a file saved meanwhile cannot break the build halfway. QueueCore
# imports QueueSystem (the system-call layer), so that module is built first.
for module in QueueSystem QueueCore; do
    log=$work/build-$module.log
    cp -R "$root/Sources/$module" "$work/src/"
    mapfile -t sources < <(find "$work/src/$module" -name '*.swift' | sort)
    if ! swiftc "${flags[@]}" -wmo -module-name "$module" -emit-library -static -I "$work/lib" \
            -emit-module -emit-module-path "$work/lib/$module.swiftmodule" \
            -o "$work/lib/lib$module.a" "${sources[@]}" >"$log" 2>&1; then
        grep -E 'error:' "$log" >&2 || tail -30 "$log" >&2
        echo "fuzz: FAILED to build $module" >&2
        exit 1
    fi
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}
# Swift's own crash backtracer reads the stack in a way ASan reports as an error; libFuzzer reports.
export SWIFT_BACKTRACE=enable=no
symbolizer=$(command -v llvm-symbolizer || true)
if [[ -n $symbolizer ]]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi
# The batch target opens an empty spool in $TMPDIR; keep it inside the temporary folder.
export TMPDIR=$work

failed=0
summary=()
for target in "${targets[@]}"; do
    binary=$work/fuzz-$target
    log=$work/build-$target.log
    if ! swiftc "${flags[@]}" -module-name "Fuzz$target" -I "$work/lib" -L "$work/lib" -lQueueCore -lQueueSystem \
            "$here/$target.swift" -o "$binary" >"$log" 2>&1; then
        grep -E 'error:' "$log" >&2 || tail -30 "$log" >&2
        summary+=("$(printf 'fuzz %-15s BUILD FAILED' "$target")")
        failed=1
        continue
    fi
    corpus=$work/corpus-$target          # new inputs go here (the first folder); seeds are only read
    mkdir -p "$corpus" "$artifacts/$target"
    seeds=()
    if [[ -d $here/corpus/$target ]]; then seeds=("$here/corpus/$target"); fi
    dictionary=()
    if [[ -f $here/corpus/$target.dict ]]; then dictionary=(-dict="$here/corpus/$target.dict"); fi
    output=$work/$target.log
    echo "fuzz: running $target for ${seconds}s"
    status=0
    "$binary" "$corpus" "${seeds[@]}" "${dictionary[@]}" \
        -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048 \
        -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$artifacts/$target/" \
        >"$output" 2>&1 || status=$?

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$output" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$output" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$output" | tail -1 || true)
    units=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$output" | tail -1 || true)
    if (( status == 0 )); then
        result=ok
    else
        failed=1
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$output" | tail -1)
        if [[ -n $crash ]]; then result="CRASH: $crash"; else result="FAILED (exit $status)"; fi
        echo "---- $target: the end of the fuzzer's output ----" >&2
        grep -vE '^#[0-9]+' "$output" | tail -25 >&2
        grep -hE 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$output" | head -3 \
            | sed "s/^/fuzz $target: /" >&2 || true
    fi
    summary+=("$(printf 'fuzz %-15s runs %-9s (%s/s)  %-20s %-14s %s' \
        "$target" "${runs:-?}" "${speed:-?}" "${coverage:-cov: ?}" "${units:-corp: ?}" "$result")")
done

printf '%s\n' "${summary[@]}"
if (( failed )); then
    echo "fuzz: FAILED: see above; crashing inputs are in $artifacts (a regression test in" \
        "Tests/QueueCoreTests/FuzzRegressionTests.swift should feed each one)" >&2
    exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a crash"
