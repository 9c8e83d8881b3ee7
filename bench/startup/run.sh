#!/usr/bin/env bash
# Start-up benchmark (issue 4): a speaker in a node namespace starts with N IPv4 /32s to
# announce to four FRR routers; prints the time from starting the speaker's process to
# the End-of-RIB it sends each router (read from a packet capture on the router side),
# for Beacon and for BIRD in the same run, and the Beacon/BIRD ratio. Figures only.
#
#   bench/startup/run.sh [-n ROUTES] [-r ROUNDS]     (run as root; default 10000 routes, 3 rounds)
#
# Prefixes are /32s from 100.64.0.0/10 (RFC 6598), as in bench/scale; they exist only in
# the namespaces this script creates (bgpd -Z -n, BIRD without a kernel protocol).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
router_as=64500
node_as=64512
routers=(198.51.100.1 198.51.100.11 198.51.100.12 198.51.100.13)
n=10000
rounds=3
while getopts "n:r:h" opt; do
    case $opt in
        n) n=$OPTARG ;;
        r) rounds=$OPTARG ;;
        *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done

[[ $EUID -eq 0 ]] || { echo "run as root (it creates network namespaces)" >&2; exit 2; }
for tool in /usr/lib/frr/bgpd vtysh bird tcpdump jq python3 dotnet; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

prefix=bcnstart
# shellcheck source=../lab.sh
source "$repo_root/bench/lab.sh"
for address in "${routers[@]:1}"; do ip -n "$router_ns" addr add "$address/24" dev n1; done

# The agent as the image ships it: published ReadyToRun.
dotnet publish "$repo_root/src/Beacon.Agent" -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$work/agent" >/dev/null
agent_dll="$work/agent/beacon.dll"

route_awk='function ip(i) { return "100." (64 + int(i / 65536)) "." (int(i / 256) % 256) "." (i % 256) }'

# One bgpd per router address (-l), passive, each with its own vty socket directory.
start_routers() {
    frr_pids=()
    for i in "${!routers[@]}"; do
        local dir="$work/frr$i"
        rm -rf "$dir"
        mkdir -p "$dir"
        cat >"$dir/bgpd.conf" <<CONF
frr defaults traditional
hostname router$i
log stdout warnings
router bgp $router_as
 bgp router-id ${routers[$i]}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 10 30
 neighbor 198.51.100.2 remote-as $node_as
 neighbor 198.51.100.2 passive
 address-family ipv4 unicast
  neighbor 198.51.100.2 activate
 exit-address-family
exit
CONF
        ip netns exec "$router_ns" /usr/lib/frr/bgpd -Z -S -l "${routers[$i]}" -f "$dir/bgpd.conf" \
            -i "$dir/bgpd.pid" --vty_socket "$dir" -A 127.0.0.1 -P 0 --log stdout >"$dir/log" 2>&1 &
        frr_pids+=($!)
        disown $!
        pids+=($!)
    done
    for i in "${!routers[@]}"; do
        for _ in $(seq 1 100); do
            vtysh --vty_socket "$work/frr$i" -d bgpd -c 'show bgp summary json' >/dev/null 2>&1 && continue 2
            sleep 0.1
        done
        echo "bgpd $i did not start: $(cat "$work/frr$i/log")" >&2
        exit 1
    done
}

start_bird() {
    local conf="$work/bird.conf"
    {
        echo "router id 198.51.100.2;"
        echo "protocol device { }"
        echo "protocol static bench { ipv4;"
        awk -v n="$n" "$route_awk"' BEGIN { for (i = 0; i < n; i++) print "  route " ip(i) "/32 blackhole;" }'
        echo "}"
        for i in "${!routers[@]}"; do
            echo "protocol bgp r$i {"
            echo "  local 198.51.100.2 as $node_as; neighbor ${routers[$i]} as $router_as;"
            # BIRD waits 5 s before its first connect unless told otherwise.
            echo "  hold time 30; keepalive time 10; connect retry time 1; start delay time 0;"
            echo "  ipv4 { import none; export where source = RTS_STATIC; };"
            echo "}"
        done
    } >"$conf"
    ip netns exec "$node_ns" bird -f -c "$conf" -s "$work/bird.ctl" -P "$work/bird.pid" >"$work/bird.log" 2>&1 &
    echo $!
}

start_beacon() {
    local dir="$work/manifests"
    rm -rf "$dir"
    mkdir -p "$dir"
    {
        echo "apiVersion: beacon.dev/v1alpha1"
        echo "kind: BGPClusterConfig"
        echo "metadata: {name: bench}"
        echo "spec:"
        echo "  localASN: $node_as"
        echo "  localPort: 0"
        echo "  peers:"
        for i in "${!routers[@]}"; do
            echo "    - {name: r$i, peerAddress: ${routers[$i]}, peerASN: $router_as, peerConfigRef: {name: bench}}"
        done
        cat <<YAML
---
apiVersion: beacon.dev/v1alpha1
kind: BGPPeerConfig
metadata: {name: bench}
spec:
  timers: {holdTimeSeconds: 30, keepaliveTimeSeconds: 10, connectRetryTimeSeconds: 1}
  families:
    - {afi: ipv4, safi: unicast, advertisements: {matchLabels: {advertise: bgp}}}
---
apiVersion: beacon.dev/v1alpha1
kind: BGPAdvertisement
metadata: {name: bench, labels: {advertise: bgp}}
spec:
  advertisements:
    - {type: Service, service: {addresses: [LoadBalancerIP]}}
---
apiVersion: v1
kind: Node
metadata: {name: node1}
status:
  addresses: [{type: InternalIP, address: 198.51.100.2}]
YAML
    } >"$dir/bgp.yaml"
    # N addresses as LoadBalancer Services of 100 ingress IPs each (as bench/scale does).
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

# Waits until every router holds n prefixes (the capture then holds every End-of-RIB).
wait_all() {
    local deadline=$((SECONDS + 300)) count
    for i in "${!routers[@]}"; do
        while ((SECONDS < deadline)); do
            count=$(vtysh --vty_socket "$work/frr$i" -d bgpd -c 'show bgp ipv4 unicast summary json' | jq -r '.peers["198.51.100.2"].pfxRcd // 0')
            ((count >= n)) && continue 2
            sleep 0.2
        done
        echo "router $i holds $count of $n after 300 s" >&2
        return 1
    done
}

declare -A total
printf '%-7s %5s %8s   %s\n' speaker round routes "start → End-of-RIB sent, per router (s); last"
for round in $(seq 1 "$rounds"); do
    for speaker in bird beacon; do
        start_routers
        capture="$work/$speaker-$round.pcap"
        ip netns exec "$router_ns" tcpdump -U -n -i n1 -w "$capture" 'tcp port 179 and src host 198.51.100.2' >/dev/null 2>&1 &
        tcpdump_pid=$!
        pids+=("$tcpdump_pid")
        sleep 1
        t0=$(now)
        speaker_pid=$("start_$speaker")
        pids+=("$speaker_pid")
        wait_all
        # The End-of-RIB follows the last UPDATE; wait until the capture holds all of them.
        for _ in $(seq 1 100); do
            mapfile -t eors < <(python3 "$repo_root/bench/startup/eor.py" "$capture" 198.51.100.2)
            ((${#eors[@]} >= ${#routers[@]})) && break
            sleep 0.1
        done
        kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" 2>/dev/null || true
        mapfile -t eors < <(python3 "$repo_root/bench/startup/eor.py" "$capture" 198.51.100.2)
        times=()
        last=0
        for line in "${eors[@]}"; do
            t=$(awk -v a="$t0" -v b="${line#* }" 'BEGIN { printf "%.3f", b - a }')
            times+=("$t")
            last=$(awk -v a="$last" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
        done
        ((${#times[@]} == ${#routers[@]})) || { echo "$speaker: found ${#times[@]} End-of-RIBs, not ${#routers[@]}" >&2; exit 1; }
        printf '%-7s %5d %8d   %s; last %s\n' "$speaker" "$round" "$n" "${times[*]}" "$last"
        total[$speaker]=$(awk -v a="${total[$speaker]:-0}" -v b="$last" 'BEGIN { print a + b }')
        stop_pid "$speaker_pid"
        for pid in "${frr_pids[@]}"; do stop_pid "$pid"; done
    done
done
awk -v b="${total[beacon]}" -v i="${total[bird]}" -v r="$rounds" \
    'BEGIN { printf "mean start → last End-of-RIB: beacon %.3f s, bird %.3f s, beacon/bird %.2fx\n", b / r, i / r, b / i }'
