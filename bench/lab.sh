# Shared by the scripted benchmarks (sourced, not run): a router and a node namespace
# joined by a veth pair (198.51.100.1 / .2), process bookkeeping and cleanup.
# The caller sets $prefix (namespace and temp-dir prefix) before sourcing.

id=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
router_ns="$prefix-$id-r"
node_ns="$prefix-$id-n1"
work=$(mktemp -d "/tmp/$prefix-$id.XXXX")
pids=()

stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    ip netns delete "$node_ns" 2>/dev/null || true
    ip netns delete "$router_ns" 2>/dev/null || true
    [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf "$work"
    exit "$status"
}
trap cleanup INT TERM EXIT

now() { date +%s.%N; }

ip netns add "$router_ns"
ip netns add "$node_ns"
ip -n "$router_ns" link set lo up
ip -n "$node_ns" link set lo up
ip -n "$router_ns" link add n1 type veth peer name eth0 netns "$node_ns"
ip -n "$router_ns" addr add 198.51.100.1/24 dev n1
ip -n "$router_ns" link set n1 up
ip -n "$node_ns" addr add 198.51.100.2/24 dev eth0
ip -n "$node_ns" link set eth0 up
