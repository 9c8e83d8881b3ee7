#!/usr/bin/env bash
# Quickstart: one router (FRR) and one Kubernetes node (Beacon, reading the manifests in
# examples/quickstart/) in two network namespaces joined by a veth pair. Run as root on
# Debian 12. It stays up until Ctrl-C, then stops what it started and removes the
# namespaces.
#
#   bcnlab-router  198.51.100.1/24  2001:db8:100::1/64   FRR bgpd, AS 64500
#        | veth
#   bcnlab-node1   198.51.100.2/24  2001:db8:100::2/64   beacon, AS 64512, node "node1"
#
# Only documentation prefixes are used, and only inside the namespaces; the router's zebra
# installs the routes Beacon announces in the router namespace's table only, so the
# Gateway at 203.0.113.80 can be reached from the router.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
router_ns=bcnlab-router
node_ns=bcnlab-node1
state_dir="$repo_root/.lab/quickstart"
manifests="$repo_root/examples/quickstart"
agent_dll="$repo_root/src/Beacon.Agent/bin/Release/net10.0/beacon.dll"
echo_dll="$repo_root/tests/Beacon.EchoServer/bin/Release/net10.0/beacon-echo.dll"
vtysh=(vtysh --vty_socket "$state_dir" -d bgpd)
zebra_socket="$state_dir/zserv.api"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (it creates network namespaces)"
command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not installed"
[[ -d $manifests ]] || die "$manifests not found"

# --- FRR -----------------------------------------------------------------------------
if [[ ! -x /usr/lib/frr/bgpd ]] || ! command -v ip >/dev/null; then
    log "installing FRR"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the package's postinst from starting FRR's daemons in the host namespace.
    policy_created=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends frr iproute2
    if ((policy_created)); then rm -f /usr/sbin/policy-rc.d; fi
fi

# --- agent ---------------------------------------------------------------------------
log "building the agent and the echo backend"
dotnet build "$repo_root/src/Beacon.Agent" -c Release -nologo -v quiet
dotnet build "$repo_root/tests/Beacon.EchoServer" -c Release -nologo -v quiet
[[ -f $agent_dll ]] || die "build produced no $agent_dll"
[[ -f $echo_dll ]] || die "build produced no $echo_dll"

# --- lab -----------------------------------------------------------------------------
zebra_pid=""
bgpd_pid=""
beacon_pid=""
echo_pid=""
cleanup() {
    local status=$?
    trap - INT TERM EXIT
    echo
    log "cleaning up"
    for pid in $beacon_pid $echo_pid $bgpd_pid $zebra_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    for ns in "$node_ns" "$router_ns"; do
        ip netns delete "$ns" 2>/dev/null || true
    done
    exit "$status"
}

for ns in "$router_ns" "$node_ns"; do
    if ip netns list | grep -qx "$ns\( .*\)\?"; then
        die "namespace $ns already exists (another quickstart running?); remove it with: ip netns delete $ns"
    fi
done

trap cleanup INT TERM EXIT
log "creating namespaces $router_ns and $node_ns"
ip netns add "$router_ns"
ip netns add "$node_ns"
ip -n "$router_ns" link set lo up
ip -n "$node_ns" link set lo up
# Both ends are created inside the namespaces: the host's interfaces are never touched.
ip -n "$router_ns" link add node1 type veth peer name eth0 netns "$node_ns"
ip -n "$router_ns" addr add 198.51.100.1/24 dev node1
ip -n "$router_ns" addr add 2001:db8:100::1/64 dev node1 nodad
ip -n "$router_ns" link set node1 up
ip -n "$node_ns" addr add 198.51.100.2/24 dev eth0
ip -n "$node_ns" addr add 2001:db8:100::2/64 dev eth0 nodad
ip -n "$node_ns" link set eth0 up
# The Gateway's address (examples/quickstart/gateway.yaml): local on the node, as
# --manifests expects; in a cluster Beacon adds it to its beacon-gw interface itself.
ip -n "$node_ns" addr add 203.0.113.80/32 dev lo

rm -rf "$state_dir"
mkdir -p "$state_dir"
cat >"$state_dir/bgpd.conf" <<'CONF'
frr defaults traditional
hostname router
log stdout informational
!
router bgp 64500
 bgp router-id 198.51.100.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 3 9
 neighbor 198.51.100.2 remote-as 64512
 neighbor 198.51.100.2 timers connect 2
 !
 address-family ipv4 unicast
  neighbor 198.51.100.2 activate
 exit-address-family
 !
 address-family ipv6 unicast
  neighbor 198.51.100.2 activate
 exit-address-family
exit
!
CONF

log "starting FRR zebra and bgpd in $router_ns (AS 64500)"
# FRR 8.4's bgpd needs zebra to accept IPv6 next hops with a link-local part (32 bytes,
# RFC 2545), which Beacon sends to an on-link peer. zebra drops to the frr user.
chmod 0777 "$state_dir"
printf 'hostname router-zebra\n' >"$state_dir/zebra.conf"
ip netns exec "$router_ns" /usr/lib/frr/zebra -f "$state_dir/zebra.conf" -i "$state_dir/zebra.pid" \
    --vty_socket "$state_dir" -z "$zebra_socket" -A 127.0.0.1 -P 0 --log stdout >"$state_dir/zebra.log" 2>&1 &
zebra_pid=$!
for _ in $(seq 1 50); do
    [[ -S $zebra_socket ]] && break
    kill -0 "$zebra_pid" 2>/dev/null || die "zebra exited: $(cat "$state_dir/zebra.log")"
    sleep 0.2
done
# -z: zebra's socket, -S: stay root, -P 0: no TCP vty.
ip netns exec "$router_ns" /usr/lib/frr/bgpd -z "$zebra_socket" -S \
    -f "$state_dir/bgpd.conf" -i "$state_dir/bgpd.pid" --vty_socket "$state_dir" \
    -A 127.0.0.1 -P 0 --log stdout >"$state_dir/bgpd.log" 2>&1 &
bgpd_pid=$!
for _ in $(seq 1 50); do
    "${vtysh[@]}" -c 'show bgp summary json' >/dev/null 2>&1 && break
    kill -0 "$bgpd_pid" 2>/dev/null || die "bgpd exited: $(cat "$state_dir/bgpd.log")"
    sleep 0.2
done

log "starting the echo backend in $node_ns on 127.0.0.1:9000"
ip netns exec "$node_ns" dotnet "$echo_dll" --listen 127.0.0.1:9000 --name echo --namespace default \
    >"$state_dir/echo.log" 2>&1 &
echo_pid=$!

log "starting Beacon in $node_ns (node1, manifests $manifests)"
ip netns exec "$node_ns" dotnet "$agent_dll" run --manifests "$manifests" --node node1 \
    --status-listen 127.0.0.1:9179 >"$state_dir/beacon.log" 2>&1 &
beacon_pid=$!

log "waiting for the BGP sessions to be Established"
established=0
for _ in $(seq 1 120); do
    if ! kill -0 "$beacon_pid" 2>/dev/null; then
        echo "Beacon exited; its log ($state_dir/beacon.log):" >&2
        sed 's/^/    /' "$state_dir/beacon.log" >&2
        exit 1
    fi
    state=$("${vtysh[@]}" -c 'show bgp neighbors 198.51.100.2 json' 2>/dev/null \
        | grep -o '"bgpState":"[A-Za-z]*"' | cut -d'"' -f4 || true)
    if [[ $state == Established ]]; then
        established=1
        break
    fi
    sleep 0.5
done
((established)) || die "no session after 60 s; logs in $state_dir"
sleep 2 # let the first UPDATEs arrive before printing the tables

log "router: show bgp ipv4 unicast"
"${vtysh[@]}" -c 'show bgp ipv4 unicast'
log "router: show bgp ipv6 unicast"
"${vtysh[@]}" -c 'show bgp ipv6 unicast'
log "beacon peers"
ip netns exec "$node_ns" dotnet "$agent_dll" peers || true
log "from the router, through the Gateway Beacon announced: curl http://203.0.113.80/shop/cart"
ip netns exec "$router_ns" curl -s --max-time 5 http://203.0.113.80/shop/cart || echo "(no answer from the Gateway; see $state_dir/beacon.log)"
echo

cat <<HINT

Running. Edit the manifests in examples/quickstart/ (for example add an address to the
Service's status.loadBalancer.ingress, or delete the Service) and watch the router:

    vtysh --vty_socket $state_dir -c 'show bgp ipv4 unicast'
    ip netns exec $node_ns dotnet $agent_dll routes --peer router --direction advertised
    ip netns exec $router_ns curl -s http://203.0.113.80/shop/anything
    ip netns exec $node_ns curl -s http://127.0.0.1:9179/api/v1/status

Logs: $state_dir/bgpd.log and $state_dir/beacon.log. Press Ctrl-C to stop and clean up.
HINT

while kill -0 "$beacon_pid" 2>/dev/null && kill -0 "$bgpd_pid" 2>/dev/null && kill -0 "$echo_pid" 2>/dev/null; do
    sleep 1
done
echo "a daemon exited; see the logs in $state_dir" >&2
exit 1
