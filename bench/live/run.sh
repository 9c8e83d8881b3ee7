#!/usr/bin/env bash
# Live-cluster latency (issue 3): Service created through the API → route at FRR, and last
# local endpoint removed → withdrawal, over COUNT Services (default 100). Needs root and FRR.
# The agent is published ReadyToRun-compiled, as the image (Dockerfile) ships it.
#   bash bench/live/run.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp -d /tmp/beacon-live.XXXXXX)"
trap 'rm -rf "$out"' EXIT
dotnet publish src/Beacon.Agent -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out" >/dev/null
BEACON_AGENT_DLL="$out/beacon.dll" dotnet run -c Release --project bench/Beacon.LiveBench -- "${1:-100}"
