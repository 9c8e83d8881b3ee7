#!/usr/bin/env bash
# Fuzzes a Beacon.Fuzz target under AFL++ for a given time, then copies what it found into
# fuzz/findings/TARGET/ and replays each crash to print its exception.
# Needs root only to install afl++ (Debian package) when afl-fuzz is missing.
#
# Usage: fuzz/run-afl.sh [SECONDS] [TARGET]     (defaults: 300 decoder; TARGET: decoder | read-path)
# Environment: FUZZ_WORK (default artifacts/fuzz), AFL_EXTRA_ARGS (passed to afl-fuzz).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
seconds="${1:-300}"
target="${2:-decoder}"
case "$target" in
    decoder | read-path) ;;
    *) echo "run-afl.sh: unknown target '$target' (decoder or read-path)" >&2; exit 2 ;;
esac
work="${FUZZ_WORK:-$repo_root/artifacts/fuzz}"
run="$work/$target"
log() { printf '==> %s\n' "$*"; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v afl-fuzz >/dev/null; then
    if [[ $EUID -ne 0 ]]; then
        echo "run-afl.sh: afl-fuzz is missing; install the Debian package afl++ (as root)" >&2
        exit 2
    fi
    log "installing afl++"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends afl++
fi

sharpfuzz="$work/tools/sharpfuzz"
if [[ ! -x $sharpfuzz ]]; then
    log "installing the sharpfuzz tool (SharpFuzz.CommandLine 2.3.0)"
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools"
fi

# Instrument only the library under test, in the published copy (sharpfuzz rewrites in place).
log "publishing fuzz/Beacon.Fuzz"
rm -rf "$work/bin"
dotnet publish fuzz/Beacon.Fuzz -c Release -o "$work/bin" --nologo -v quiet
log "instrumenting Beacon.Bgp.dll"
"$sharpfuzz" "$work/bin/Beacon.Bgp.dll"

rm -rf "$run"
mkdir -p "$run"
dotnet "$work/bin/Beacon.Fuzz.dll" seeds "$target" tests/Beacon.Bgp.Tests/Wire/FrrVectors.cs "$run/seeds"

# dotnet is not an AFL-instrumented binary (the instrumentation is in Beacon.Bgp.dll), core
# dumps cannot be redirected in a container, and the CPUs are shared: tell afl-fuzz so.
# The GC heap limit turns an unbounded allocation into an OutOfMemoryException, i.e. a crash.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
    AFL_NO_AFFINITY=1 AFL_NO_UI=1 DOTNET_GCHeapHardLimit=0x20000000
log "afl-fuzz $target for ${seconds}s"
set +e
# shellcheck disable=SC2086
afl-fuzz -V "$seconds" -t 20000 -m none -i "$run/seeds" -o "$run/findings" ${AFL_EXTRA_ARGS:-} \
    -- dotnet "$work/bin/Beacon.Fuzz.dll" "$target" >"$run/afl.log" 2>&1
status=$?
set -e
tail -n 40 "$run/afl.log"
if ((status != 0)); then
    echo "run-afl.sh: afl-fuzz exited with $status (log: $run/afl.log)" >&2
    exit 1
fi

stats="$run/findings/default/fuzzer_stats"
if [[ -f $stats ]]; then
    grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|stability|bitmap_cvg)\b' "$stats"
fi

out="$repo_root/fuzz/findings/$target"
shopt -s nullglob
crashes=("$run"/findings/default/crashes/id:* "$run"/findings/default/hangs/id:*)
if ((${#crashes[@]} == 0)); then
    log "no crashes or hangs"
    exit 0
fi

mkdir -p "$out"
for file in "${crashes[@]}"; do
    case "$(basename "$(dirname "$file")")" in
        crashes) kind=crash ;;
        *) kind=hang ;;
    esac
    # AFL names contain ':' and ','; keep a portable name.
    cp "$file" "$out/$kind-$(basename "$file" | tr ':,' '-_')"
done
log "${#crashes[@]} finding(s) copied to $out; replaying them (uninstrumented build):"
dotnet run --project fuzz/Beacon.Fuzz -c Release -- "$target" "$out"/* || true
exit 1
