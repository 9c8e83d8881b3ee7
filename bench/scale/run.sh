#!/usr/bin/env bash
# Scale benchmark: one speaker in a node namespace announces N IPv4 /32s to FRR in a
# router namespace; prints how long FRR takes, from the session reaching Established,
# to hold all N, and the speaker's and FRR's peak RSS. Figures only, no assertions.
#
#   bench/scale/run.sh [-n ROUTES]... [-s SPEAKER]...     (run as root)
#     -n  route count, repeatable (default: 100000 and 1000000)
#     -s  speaker: bird | beacon, repeatable (default: bird, plus beacon once the agent
#         is built); with both, a Beacon/BIRD ratio is printed per route count
#
# The announced prefixes are /32s from 100.64.0.0/10 (shared address space, RFC 6598;
# 4M addresses, enough for a million). They exist only inside the two namespaces this
# script creates: bgpd runs without zebra (-Z) and with -n, BIRD has no kernel protocol,
# so no route is installed in any kernel table and no packet is ever sent to them.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agent_dll="$repo_root/src/Beacon.Agent/bin/Release/net10.0/beacon.dll"
router_as=64500
node_as=64512
timeout_s=900

counts=()
speakers=()
while getopts "n:s:h" opt; do
    case $opt in
        n) counts+=("$OPTARG") ;;
        s) speakers+=("$OPTARG") ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
((${#counts[@]})) || counts=(100000 1000000)
if ((${#speakers[@]} == 0)); then
    speakers=(bird)
    [[ -f $agent_dll ]] && speakers+=(beacon)
fi

[[ $EUID -eq 0 ]] || { echo "run as root (it creates network namespaces)" >&2; exit 2; }
for tool in /usr/lib/frr/bgpd vtysh bird birdc jq; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install frr bird2 jq)" >&2; exit 2; }
done

prefix=bcnbench
# shellcheck source=../lab.sh
source "$repo_root/bench/lab.sh"
peak_rss_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

vtysh_() { vtysh --vty_socket "$work/frr" -d bgpd "$@"; }

# Starts a fresh bgpd (one per measurement, so no state carries over); sets frr_pid.
start_frr() {
    rm -rf "$work/frr"
    mkdir -p "$work/frr"
    cat >"$work/frr/bgpd.conf" <<CONF
frr defaults traditional
hostname bench-router
log stdout warnings
router bgp $router_as
 bgp router-id 198.51.100.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 10 30
 neighbor 198.51.100.2 remote-as $node_as
 neighbor 198.51.100.2 timers connect 1
 address-family ipv4 unicast
  neighbor 198.51.100.2 activate
 exit-address-family
exit
CONF
    ip netns exec "$router_ns" /usr/lib/frr/bgpd -Z -n -S -f "$work/frr/bgpd.conf" \
        -i "$work/frr/bgpd.pid" --vty_socket "$work/frr" -A 127.0.0.1 -P 0 --log stdout \
        >"$work/frr.log" 2>&1 &
    frr_pid=$!
    disown "$frr_pid" # stopped by PID below; no job-control chatter when it needs SIGKILL
    pids+=("$frr_pid")
    for _ in $(seq 1 100); do
        vtysh_ -c 'show bgp summary json' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bgpd did not start: $(cat "$work/frr.log")" >&2
    exit 1
}

# The i-th address of 100.64.0.0/10, for i in [0, 2^22).
route_awk='function ip(i) { return "100." (64 + int(i / 65536)) "." (int(i / 256) % 256) "." (i % 256) }'

# --- speakers: each start_<name> N starts the speaker announcing N routes to
# 198.51.100.1 and prints its PID -----------------------------------------------------

start_bird() {
    local n=$1 conf="$work/bird.conf"
    {
        echo "router id 198.51.100.2;"
        echo "protocol device { }"
        echo "protocol static bench { ipv4;"
        awk -v n="$n" "$route_awk"' BEGIN { for (i = 0; i < n; i++) print "  route " ip(i) "/32 blackhole;" }'
        echo "}"
        echo "protocol bgp frr {"
        echo "  local 198.51.100.2 as $node_as; neighbor 198.51.100.1 as $router_as;"
        echo "  hold time 30; keepalive time 10; connect retry time 1;"
        echo "  ipv4 { import none; export where source = RTS_STATIC; };"
        echo "}"
    } >"$conf"
    ip netns exec "$node_ns" bird -f -c "$conf" -s "$work/bird.ctl" -P "$work/bird.pid" \
        >"$work/bird.log" 2>&1 &
    echo $!
}

# ===================================================================================
# BEACON SPEAKER (for the lead): fills a manifest directory with the objects that make
# node1 announce N /32s (LoadBalancer Services with 100 status.loadBalancer.ingress
# IPs each) and starts the agent on it. Written against the DESIGN.md interfaces;
# adjust here if the agent's manifest shapes differ. If the agent exits, its log is
# printed and the row says "not measured".
# ===================================================================================
start_beacon() {
    local n=$1 dir="$work/beacon-manifests"
    [[ -f $agent_dll ]] || { echo "beacon: $agent_dll not built (dotnet build src/Beacon.Agent -c Release)" >&2; exit 1; }
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/bgp.yaml" <<YAML
apiVersion: beacon.dev/v1alpha1
kind: BGPClusterConfig
metadata:
  name: bench
spec:
  localASN: $node_as
  peers:
    - name: router
      peerAddress: 198.51.100.1
      peerASN: $router_as
      peerConfigRef:
        name: bench
---
apiVersion: beacon.dev/v1alpha1
kind: BGPPeerConfig
metadata:
  name: bench
spec:
  timers:
    holdTimeSeconds: 30
    keepaliveTimeSeconds: 10
    connectRetryTimeSeconds: 1
  families:
    - afi: ipv4
      safi: unicast
      advertisements:
        matchLabels:
          advertise: bgp
---
apiVersion: beacon.dev/v1alpha1
kind: BGPAdvertisement
metadata:
  name: bench
  labels:
    advertise: bgp
spec:
  advertisements:
    - type: Service
      service:
        addresses: [LoadBalancerIP]
---
apiVersion: v1
kind: Node
metadata:
  name: node1
status:
  addresses:
    - type: InternalIP
      address: 198.51.100.2
YAML
    # N addresses as LoadBalancer Services of 100 ingress IPs each, 100 Services per file:
    # a shape the YAML loader reads quickly (a single 100k-entry list would exceed its
    # per-document event limit, and no real Service looks like that anyway).
    awk -v n="$n" -v dir="$dir" "$route_awk"'
        BEGIN {
            for (i = 0; i < n; i++) {
                if (i % 100 == 0) {
                    svc = int(i / 100); file = dir "/services-" int(svc / 100) ".yaml"
                    printf "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bench-%d\n  namespace: default\n", svc > file
                    printf "spec:\n  type: LoadBalancer\n  externalTrafficPolicy: Cluster\n  ports:\n    - port: 80\n" > file
                    printf "status:\n  loadBalancer:\n    ingress:\n" > file
                }
                print "      - ip: " ip(i) > file
            }
        }'
    ip netns exec "$node_ns" dotnet "$agent_dll" run --manifests "$dir" --node node1 \
        --status-listen 127.0.0.1:9179 >"$work/beacon.log" 2>&1 &
    echo $!
}

# --- measurement ---------------------------------------------------------------------

# Polls FRR every 50 ms until the session is Established; prints the time it saw that.
wait_established() {
    local speaker_pid=$1 deadline=$((SECONDS + timeout_s)) state
    while ((SECONDS < deadline)); do
        kill -0 "$speaker_pid" 2>/dev/null || { echo "speaker exited; last log lines:" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }
        state=$(vtysh_ -c 'show bgp ipv4 unicast summary json' | jq -r '.peers["198.51.100.2"].state // ""')
        [[ $state == Established ]] && { now; return 0; }
        sleep 0.05
    done
    echo "no session within ${timeout_s}s" >&2
    exit 1
}

# Polls pfxRcd every 100 ms until FRR holds n prefixes; prints the time it saw that.
wait_prefixes() {
    local n=$1 deadline=$((SECONDS + timeout_s)) count
    while ((SECONDS < deadline)); do
        count=$(vtysh_ -c 'show bgp ipv4 unicast summary json' | jq -r '.peers["198.51.100.2"].pfxRcd // 0')
        ((count >= n)) && { now; return 0; }
        sleep 0.1
    done
    echo "FRR holds $count of $n after ${timeout_s}s" >&2
    exit 1
}

declare -A seconds_for rss_for
printf '%-8s %9s %22s %17s %14s\n' speaker routes "established→all (s)" "speaker RSS MiB" "FRR RSS MiB"
for n in "${counts[@]}"; do
    for speaker in "${speakers[@]}"; do
        start_frr
        speaker_pid=$("start_$speaker" "$n")
        pids+=("$speaker_pid")
        if ! t_established=$(wait_established "$speaker_pid") || ! t_all=$(wait_prefixes "$n"); then
            printf '%-8s %9d %22s\n' "$speaker" "$n" "not measured (see above)"
            stop_pid "$speaker_pid"
            stop_pid "$frr_pid"
            continue
        fi
        elapsed=$(awk -v a="$t_established" -v b="$t_all" 'BEGIN { printf "%.2f", b - a }')
        seconds_for[$speaker.$n]=$elapsed
        rss_for[$speaker.$n]=$(peak_rss_mib "$speaker_pid")
        printf '%-8s %9d %22s %17s %14s\n' "$speaker" "$n" "$elapsed" "${rss_for[$speaker.$n]}" "$(peak_rss_mib "$frr_pid")"
        stop_pid "$speaker_pid"
        stop_pid "$frr_pid"
    done
    if [[ -n ${seconds_for[beacon.$n]:-} && -n ${seconds_for[bird.$n]:-} ]]; then
        awk -v n="$n" -v bt="${seconds_for[beacon.$n]}" -v it="${seconds_for[bird.$n]}" \
            -v br="${rss_for[beacon.$n]}" -v ir="${rss_for[bird.$n]}" \
            'BEGIN { printf "beacon/bird at %d routes: time %.2fx, peak RSS %.2fx\n", n, bt / it, br / ir }'
    fi
done
