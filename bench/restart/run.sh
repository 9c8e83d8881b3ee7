#!/usr/bin/env bash
# Graceful restart benchmark (issue 4): the agent announces N IPv4 /32s to FRR 8.4 (default
# graceful-restart helper mode), is killed with SIGKILL, and started again after a pause.
# FRR's IPv4 table is polled the whole time; the script prints the fewest routes FRR held
# (routes lost = N - that), for how long it held fewer than N, and how long from the restart
# until FRR held all N again with none stale (mostly the agent's own start-up: the process,
# the first manifest snapshot, then the session). Figures only, no assertions.
#
#   bench/restart/run.sh [-n ROUTES] [-d DOWN_SECONDS] [-m on|off]...   (run as root)
#     -n  route count (default 1000)
#     -d  seconds the agent stays down (default 3)
#     -m  graceful restart on or off, repeatable (default: on, then off)
#
# The /32s come from 100.64.0.0/10 (RFC 6598) and exist only inside the two namespaces this
# script creates: bgpd runs without zebra (-Z, -n), so nothing is installed in any kernel.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agent_dll="${BEACON_AGENT_DLL:-$repo_root/src/Beacon.Agent/bin/Release/net10.0/beacon.dll}"
router_as=64500
node_as=64512
n=1000
down=3
modes=()
while getopts "n:d:m:h" opt; do
    case $opt in
        n) n=$OPTARG ;;
        d) down=$OPTARG ;;
        m) modes+=("$OPTARG") ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
((${#modes[@]})) || modes=(on off)

[[ $EUID -eq 0 ]] || { echo "run as root (it creates network namespaces)" >&2; exit 2; }
[[ -f $agent_dll ]] || { echo "$agent_dll not built (dotnet build src/Beacon.Agent -c Release)" >&2; exit 2; }
for tool in /usr/lib/frr/bgpd vtysh jq; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install frr jq)" >&2; exit 2; }
done

prefix=bcngr
# shellcheck source=../lab.sh
source "$repo_root/bench/lab.sh"

vtysh_() { vtysh --vty_socket "$work/frr" -d bgpd "$@"; }

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
 timers bgp 3 9
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
    disown "$frr_pid"
    pids+=("$frr_pid")
    for _ in $(seq 1 100); do
        vtysh_ -c 'show bgp summary json' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bgpd did not start: $(cat "$work/frr.log")" >&2
    exit 1
}

route_awk='function ip(i) { return "100." (64 + int(i / 65536)) "." (int(i / 256) % 256) "." (i % 256) }'

# Manifests that make node1 announce N /32s (Services of 100 ingress IPs each).
write_manifests() {
    local gr=$1 dir="$work/manifests"
    rm -rf "$dir"
    mkdir -p "$dir"
    local gr_yaml=""
    [[ $gr == on ]] && gr_yaml=$'  gracefulRestart:\n    enabled: true\n    restartTimeSeconds: 120\n'
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
${gr_yaml}  timers:
    holdTimeSeconds: 9
    keepaliveTimeSeconds: 3
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
}

start_beacon() {
    ip netns exec "$node_ns" dotnet "$agent_dll" run --manifests "$work/manifests" --node node1 \
        --status-listen 127.0.0.1:9179 >>"$work/beacon.log" 2>&1 &
    beacon_pid=$!
    disown "$beacon_pid"
    pids+=("$beacon_pid")
}

# One sample: "<time> <routes> <stale routes>" of FRR's IPv4 table.
sample() {
    vtysh_ -c 'show bgp ipv4 unicast json' \
        | jq -r --arg t "$(now)" '[.routes[]?[]] | "\($t) \(length) \([.[] | select(.stale == true)] | length)"'
}

wait_all_current() {
    local deadline=$((SECONDS + 300)) line
    while ((SECONDS < deadline)); do
        line=$(sample)
        read -r _ count stale <<<"$line"
        ((count == n && stale == 0)) && return 0
        sleep 0.05
    done
    echo "FRR never held all $n routes current; last sample: $line" >&2
    exit 1
}

printf '%-4s %7s %8s %11s %16s %20s\n' GR routes "min held" "routes lost" "below N for (s)" "restart→all current (s)"
for mode in "${modes[@]}"; do
    start_frr
    write_manifests "$mode"
    : >"$work/beacon.log"
    start_beacon
    wait_all_current

    samples="$work/samples-$mode"
    # 100 ms between samples: one sample of 1,000 routes costs jq tens of ms, and a busier
    # poller would slow the agent's own start-up on a small machine.
    (while true; do sample; sleep 0.1; done) >"$samples" 2>/dev/null &
    poller=$!
    pids+=("$poller")

    kill -KILL "$beacon_pid"
    sleep "$down"
    t_restart=$(now)
    start_beacon
    wait_all_current
    t_current=$(now)
    stop_pid "$poller"

    awk -v n="$n" -v mode="$mode" -v tr="$t_restart" -v tc="$t_current" '
        NF == 3 {
            if (min == "" || $2 < min) min = $2
            if (prev != "" && prevc < n) below += $1 - prev
            prev = $1; prevc = $2
        }
        END { printf "%-4s %7d %8d %11d %16.2f %20.2f\n", mode, n, min, n - min, below, tc - tr }' "$samples"
    stop_pid "$beacon_pid"
    stop_pid "$frr_pid"
done
