#!/usr/bin/env bash
# Builds Bgp.sln and runs every test project, including the interop tests that start
# FRR, BIRD and GoBGP in network namespaces. Run as root on Debian 12 (CI calls this
# through .ci/run). Prints "N passed, N failed[, N skipped]" and exits non-zero when a
# test failed or when no test ran.
#
# Usage: scripts/test-all.sh [SOLUTION_OR_PROJECT]   (default: Bgp.sln)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
target="${1:-Bgp.sln}"
results_dir="$repo_root/artifacts/test-results"

if [[ $EUID -ne 0 ]]; then
    echo "test-all.sh: must run as root (the interop tests create network namespaces)" >&2
    exit 2
fi

log() { printf '==> %s\n' "$*"; }

# --- routing daemons -----------------------------------------------------------------
# package name -> a program that package installs
declare -A wanted=(
    [frr]=/usr/lib/frr/bgpd
    [bird2]=bird
    [gobgpd]=gobgpd
    [iproute2]=ip
    [procps]=pgrep
    [curl]=curl
)
missing=()
for package in frr bird2 gobgpd iproute2 procps curl; do
    program=${wanted[$package]}
    if [[ $program == /* ]]; then
        [[ -x $program ]] || missing+=("$package")
    else
        command -v "$program" >/dev/null || missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The postinst scripts of frr and bird2 start their daemons in the host namespace.
    # The tests run their own instances inside namespaces and need none of those, so
    # forbid service starts for the duration of the install (the Debian policy-rc.d
    # convention, honoured by invoke-rc.d and deb-systemd-invoke).
    policy=/usr/sbin/policy-rc.d
    policy_created=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        policy_created=1
    fi
    restore_policy() { if ((policy_created)); then rm -f "$policy"; fi; }
    trap restore_policy EXIT
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    restore_policy
    trap - EXIT
    # Where systemd runs, a unit may still be enabled for the next boot, or started by a
    # socket/path trigger: stop and disable what these packages ship.
    if [[ -d /run/systemd/system ]]; then
        for unit in frr bird gobgpd; do
            systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
        done
    fi
fi

# Daemons that the host already runs are not ours to stop; say so, since a bgpd in the
# host namespace would not meet the tests (they live in their own namespaces) but makes
# reading `ps` confusing.
if pgrep -x bgpd >/dev/null || pgrep -x bird >/dev/null || pgrep -x gobgpd >/dev/null; then
    log "note: routing daemons already run on this host (not started by this script):"
    ps -o pid,args -C bgpd,bird,gobgpd,zebra,watchfrr | sed 's/^/    /' || true
fi

if ! command -v dotnet >/dev/null; then
    echo "test-all.sh: the .NET 10 SDK (dotnet) is not installed" >&2
    exit 2
fi

# --- build and test ------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "dotnet restore $target"
dotnet restore "$target"
log "dotnet build (Release)"
dotnet build "$target" -c Release --no-restore
rm -rf "$results_dir"
mkdir -p "$results_dir"
log "dotnet test (Release)"
set +e
dotnet test "$target" -c Release --no-build \
    --logger trx --logger "console;verbosity=normal" \
    --results-directory "$results_dir"
test_status=$?
set -e

# --- summary from the TRX files ------------------------------------------------------
passed=0 failed=0 skipped=0 files=0
counter() { # attribute name, counters element
    local value
    value=$(grep -o " $1=\"[0-9]*\"" <<<"$2" | grep -o '[0-9]\+' || true)
    echo "${value:-0}"
}
shopt -s nullglob
for trx in "$results_dir"/*.trx; do
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
    passed=$((passed + $(counter passed "$counters")))
    failed=$((failed + $(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters")))
    skipped=$((skipped + $(counter notExecuted "$counters")))
done

echo "TRX files: $files in $results_dir"
if ((skipped > 0)); then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi

if ((test_status != 0)); then
    echo "test-all.sh: dotnet test exited with $test_status" >&2
    exit 1
fi
if ((failed > 0)); then
    exit 1
fi
if ((passed == 0)); then
    echo "test-all.sh: no test ran" >&2
    exit 1
fi
