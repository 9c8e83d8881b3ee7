#!/usr/bin/env bash
# Latency benchmark: from saving a manifest change to the route appearing / disappearing at
# FRR. Beacon runs on a manifest directory in a node namespace and peers with FRR's bgpd in
# a router namespace. Each of ITERATIONS rounds atomically replaces the Service file to add
# one LoadBalancer IP, then to remove it again, and measures two things:
#   wire:   save → the UPDATE carrying the change leaves Beacon (tcpdump timestamp on the
#           router's interface; same clock as the save timestamp)
#   router: save → `vtysh show bgp` shows the change (includes vtysh's own start-up, so it
#           is an upper bound; polled every 10 ms)
# Prints median and worst of each. Figures only, no assertions. Run as root.
#
#   bench/latency/run.sh [-i ITERATIONS]   (default 50)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agent_dll="$repo_root/src/Beacon.Agent/bin/Release/net10.0/beacon.dll"
iterations=50
while getopts "i:h" opt; do
    case $opt in
        i) iterations=$OPTARG ;;
        *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done

[[ $EUID -eq 0 ]] || { echo "run as root (it creates network namespaces)" >&2; exit 2; }
for tool in /usr/lib/frr/bgpd vtysh tcpdump jq; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install frr tcpdump jq)" >&2; exit 2; }
done
[[ -f $agent_dll ]] || { echo "build the agent first: dotnet build src/Beacon.Agent -c Release" >&2; exit 2; }

prefix=bcnlat
# shellcheck source=../lab.sh
source "$repo_root/bench/lab.sh"
manifests="$work/manifests"

mkdir -p "$work/frr" "$manifests"
cat >"$work/frr/bgpd.conf" <<CONF
frr defaults traditional
hostname lat-router
log stdout warnings
router bgp 64500
 bgp router-id 198.51.100.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 10 30
 neighbor 198.51.100.2 remote-as 64512
 neighbor 198.51.100.2 timers connect 1
 address-family ipv4 unicast
  neighbor 198.51.100.2 activate
 exit-address-family
exit
CONF
ip netns exec "$router_ns" /usr/lib/frr/bgpd -Z -n -S -f "$work/frr/bgpd.conf" \
    -i "$work/frr/bgpd.pid" --vty_socket "$work/frr" -A 127.0.0.1 -P 0 --log stdout \
    >"$work/frr.log" 2>&1 &
pids+=($!)
vtysh_() { vtysh --vty_socket "$work/frr" -d bgpd "$@"; }
for _ in $(seq 1 100); do vtysh_ -c 'show bgp summary json' >/dev/null 2>&1 && break; sleep 0.1; done

ip netns exec "$router_ns" tcpdump -l -tt -n -i n1 'tcp and src host 198.51.100.2' >"$work/wire.log" 2>/dev/null &
pids+=($!)

cat >"$manifests/bgp.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: node1
status:
  addresses:
    - type: InternalIP
      address: 198.51.100.2
---
apiVersion: beacon.dev/v1alpha1
kind: BGPClusterConfig
metadata:
  name: lat
spec:
  localASN: 64512
  peers:
    - name: router
      peerAddress: 198.51.100.1
      peerASN: 64500
      peerConfigRef:
        name: lat
---
apiVersion: beacon.dev/v1alpha1
kind: BGPPeerConfig
metadata:
  name: lat
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
  name: lat
  labels:
    advertise: bgp
spec:
  advertisements:
    - type: Service
      service:
        addresses: [LoadBalancerIP]
YAML

# Writes the Service with the given ingress IPs and renames it into place (one change).
write_service() {
    local ip
    {
        printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: lat\n  namespace: default\n'
        printf 'spec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n'
        printf 'status:\n  loadBalancer:\n    ingress:\n'
        for ip in "$@"; do printf '      - ip: %s\n' "$ip"; done
    } >"$manifests/.service.yaml.tmp"
    mv "$manifests/.service.yaml.tmp" "$manifests/service.yaml"
}
write_service 203.0.113.1

ip netns exec "$node_ns" dotnet "$agent_dll" run --manifests "$manifests" --node node1 \
    --status-listen 127.0.0.1:9179 >"$work/beacon.log" 2>&1 &
pids+=($!)

has_prefix() { vtysh_ -c "show bgp ipv4 unicast $1/32 json" 2>/dev/null | jq -e '.paths | length > 0' >/dev/null 2>&1; }
wait_until() { # predicate... ; prints the time it first held
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if "$@"; then now; return 0; fi
        sleep 0.01
    done
    echo "timed out waiting for: $*" >&2
    tail -n 20 "$work/beacon.log" >&2
    exit 1
}
not() { ! "$@"; }

wait_until has_prefix 203.0.113.1 >/dev/null
sleep 1

# First UPDATE-sized packet (TCP payload > 19 bytes, i.e. not a lone KEEPALIVE) after $1.
wire_time_after() {
    local t0=$1
    for _ in $(seq 1 100); do
        local t
        t=$(awk -v t0="$t0" '$1 > t0 && match($0, /length [0-9]+/) { n = substr($0, RSTART + 7, RLENGTH - 7) + 0; if (n > 19) { print $1; exit } }' "$work/wire.log")
        [[ -n $t ]] && { echo "$t"; return 0; }
        sleep 0.05
    done
    echo "nan"
}

: >"$work/samples"
for i in $(seq 1 "$iterations"); do
    ip="203.0.113.$((100 + (i % 100)))"
    t0=$(now); write_service 203.0.113.1 "$ip"
    t_seen=$(wait_until has_prefix "$ip")
    t_wire=$(wire_time_after "$t0")
    echo "add $t0 $t_wire $t_seen" >>"$work/samples"
    sleep 0.2

    t0=$(now); write_service 203.0.113.1
    t_seen=$(wait_until not has_prefix "$ip")
    t_wire=$(wire_time_after "$t0")
    echo "remove $t0 $t_wire $t_seen" >>"$work/samples"
    sleep 0.2
done

report() { # kind column-name
    awk -v kind="$1" '$1 == kind { w = ($3 - $2) * 1000; r = ($4 - $2) * 1000; print w, r }' "$work/samples" >"$work/$1.ms"
    local n med_w max_w med_r max_r
    n=$(wc -l <"$work/$1.ms")
    med_w=$(cut -d' ' -f1 "$work/$1.ms" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    max_w=$(cut -d' ' -f1 "$work/$1.ms" | sort -g | tail -n1)
    med_r=$(cut -d' ' -f2 "$work/$1.ms" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    max_r=$(cut -d' ' -f2 "$work/$1.ms" | sort -g | tail -n1)
    printf '%-8s %4d   wire median %7.1f ms  worst %7.1f ms   router median %7.1f ms  worst %7.1f ms\n' \
        "$1" "$n" "$med_w" "$max_w" "$med_r" "$max_r"
}
echo "manifest save → route change, $iterations rounds"
report add
report remove
