#!/usr/bin/env bash
# Gateway (HTTP) throughput: Beacon's Gateway data plane against nginx and HAProxy, in the same
# run, in front of the same echo backend (tests/Beacon.EchoServer, fixed 13-byte body on
# /__echo/bench), configured equivalently: HTTP/1.1 keep-alive to the client and to the backend,
# no access log, the same number of workers/threads (= the CPUs given to the proxy).
#   HTTP/1.1: wrk -t2 -cC, a 5 s warm-up, then -dD --latency        → RPS, p50, p99
#   HTTP/2:   h2load h2c prior knowledge, -cC -m4, 5 s warm-up, -D D → RPS, p50, p99
#   changes:  while wrk runs against Beacon, N HTTPRoute changes (temp file + mv, one every
#             ~100 ms); non-2xx responses and socket errors are reported (target: zero).
# A "direct" row (load generator → backend, no proxy) shows the ceiling of the backend.
#
# CPU pinning (taskset): the proxy under test gets its own CPUs (-P, default 0), the load
# generator and the echo backend share the others (-L, default 1). The proxy does the most work
# per request (two HTTP legs) and is what is being measured, so it is never disturbed by the
# client or the backend; the same split is used for all three proxies. With one CPU nothing is
# pinned. The run prints the split it used.
#
# Takes about 3 minutes with the defaults (plus ~15 s with --changes 100).
# Run as root on Debian (installs nginx-light, haproxy, nghttp2-client with apt-get when
# missing; wrk must be installed). Builds the echo backend and the agent (Release) first.
#
#   bench/gateway/run.sh [-d SECONDS] [-c CONNECTIONS] [-P PROXY_CPUS] [-L LOADGEN_CPUS]
#                        [--changes N] [--proxies "nginx haproxy beacon"] [--beacon-address IP]
#                        [--no-build]
#
# Exit status: 0 when every requested measurement ran; 3 when Beacon did not serve the Gateway
# (its rows say n/a, no numbers are made up); 4 when the change run saw errors; 2 on bad usage.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
agent_dll="$repo_root/src/Beacon.Agent/bin/Release/net10.0/beacon.dll"
echo_dll="$repo_root/tests/Beacon.EchoServer/bin/Release/net10.0/beacon-echo.dll"

duration=20
connections=64
changes=100
proxies="nginx haproxy beacon"
proxy_cpus=0
load_cpus=1
beacon_address=127.10.0.1
h2_streams=4
warmup=5
build=1

usage() { sed -n '2,27p' "$0"; exit 2; }
while (($#)); do
    case $1 in
        -d) duration=$2; shift 2 ;;
        -c) connections=$2; shift 2 ;;
        -P) proxy_cpus=$2; shift 2 ;;
        -L) load_cpus=$2; shift 2 ;;
        --changes) changes=$2; shift 2 ;;
        --proxies) proxies=$2; shift 2 ;;
        --beacon-address) beacon_address=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        *) usage ;;
    esac
done

[[ $EUID -eq 0 ]] || { echo "run as root (installs packages, runs nginx/HAProxy)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "missing wrk (apt-get install wrk)" >&2; exit 2; }
missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v h2load >/dev/null || missing+=(nghttp2-client)
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    apt-get update -qq
    # policy-rc.d 101: the packages must not start their system services on this machine.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    ((created_policy)) && rm -f "$policy"
fi
# Incremental Release builds (seconds when up to date), so a stale agent is never measured.
if ((build)); then
    dotnet build "$repo_root/tests/Beacon.EchoServer" -c Release -v q --nologo >/dev/null
    [[ " $proxies " == *" beacon "* ]] && dotnet build "$repo_root/src/Beacon.Agent" -c Release -v q --nologo >/dev/null
fi
[[ -f $echo_dll ]] || { echo "missing $echo_dll" >&2; exit 2; }
if [[ " $proxies " == *" beacon "* && ! -f $agent_dll ]]; then echo "missing $agent_dll" >&2; exit 2; fi

work=$(mktemp -d /tmp/bcngw.XXXX)
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
    [[ ${BENCH_KEEP:-0} == 1 ]] && echo "kept $work" || rm -rf "$work"
    exit "$status"
}
trap cleanup INT TERM EXIT

# CPU split: with one CPU there is nothing to separate.
if (($(nproc) < 2)); then
    pin_proxy=(); pin_load=()
    proxy_cpu_count=1
    echo "1 CPU: nothing pinned, proxies get 1 worker"
else
    pin_proxy=(taskset -c "$proxy_cpus"); pin_load=(taskset -c "$load_cpus")
    proxy_cpu_count=$(taskset -c "$proxy_cpus" nproc)
    echo "proxy on CPU $proxy_cpus ($proxy_cpu_count workers/threads), load generator + echo backend on CPU $load_cpus"
fi
wrk_threads=2

used_ports=" "
free_port() { # a TCP port nothing listens on and this run has not handed out yet
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        [[ $used_ports == *" $port "* ]] && continue
        ss -Htln "sport = :$port" | grep -q . && continue
        used_ports+="$port "
        echo "$port"
        return
    done
}
wait_http() { # url [seconds] — until it answers 200
    local deadline=$((SECONDS + ${2:-15}))
    while ((SECONDS < deadline)); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1") == 200 ]] && return 0
        sleep 0.2
    done
    return 1
}

# ---- echo backend --------------------------------------------------------------------------
"${pin_load[@]}" dotnet "$echo_dll" --listen 127.0.0.1:0 --name echo --namespace default >"$work/echo.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' "$work/echo.log" && break; sleep 0.1; done
backend_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/echo.log" | head -n1)
[[ -n $backend_port ]] || { echo "echo backend did not start:" >&2; cat "$work/echo.log" >&2; exit 1; }
backend="127.0.0.1:$backend_port"
echo "echo backend on $backend"

# ---- load generators -----------------------------------------------------------------------
to_ms() { # wrk latency such as 812.00us, 1.23ms, 1.02s → milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}
# Sets rps p50 p99 errs for one URL: warm-up, then the measured run.
run_wrk() {
    local url=$1 out=$work/wrk.$2.txt
    "${pin_load[@]}" wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
    "${pin_load[@]}" wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency "$url" >"$out"
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    errs=$(wrk_errors "$out")
}
wrk_errors() { # "non2xx/socket" from a wrk report
    local non2xx socket
    non2xx=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' "$1")
    socket=$(awk '/Socket errors/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$1")
    echo "${non2xx:-0}/${socket:-0}"
}
run_h2load() {
    local url=$1 out=$work/h2load.$2.txt log=$work/h2load.$2.log
    "${pin_load[@]}" h2load -t"$wrk_threads" -c"$connections" -m"$h2_streams" -D"$duration" \
        --warm-up-time="$warmup" --log-file="$log" "$url" >"$out" 2>&1 || true
    local succeeded
    succeeded=$(awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) print $i }' "$out")
    if [[ -z $succeeded || $succeeded == 0 ]]; then
        rps=n/a; p50=n/a; p99=n/a; errs=n/a
        return 1
    fi
    rps=$(awk '/^finished in/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) { printf "%.0f", $i } }' "$out")
    # --log-file: start time (µs), status, time to the end of the response (µs), tab-separated.
    read -r p50 p99 < <(cut -f3 "$log" | sort -n | awk '{ a[NR] = $1 } END {
        if (NR == 0) { print "n/a n/a"; exit }
        i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
        i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
        printf "%.3f %.3f\n", a[i50] / 1000, a[i99] / 1000 }')
    errs=$(awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^(failed|errored|timeout)/) s += $i; print s + 0 }' "$out")
    rm -f "$log"
}

declare -A h1_rps h1_p50 h1_p99 h1_err h2_rps h2_p50 h2_p99 h2_err
measure() { # name h1-url h2-url(or empty)
    local name=$1
    echo "measuring $name: HTTP/1.1 ..."
    run_wrk "$2" "$name"
    h1_rps[$name]=$rps; h1_p50[$name]=$p50; h1_p99[$name]=$p99; h1_err[$name]=$errs
    if [[ -n $3 ]]; then
        echo "measuring $name: HTTP/2 (h2c) ..."
        run_h2load "$3" "$name" || echo "  $name: no successful h2c requests ($(grep -m1 -iE 'error|fail' "$work/h2load.$name.txt" || true))"
        h2_rps[$name]=$rps; h2_p50[$name]=$p50; h2_p99[$name]=$p99; h2_err[$name]=$errs
    else
        h2_rps[$name]=n/a; h2_p50[$name]=n/a; h2_p99[$name]=n/a; h2_err[$name]=n/a
    fi
}
bench_path=/__echo/bench
exit_status=0

# The backend alone: what any proxy in front of it can at most reach. The h2c listener is a
# second backend process (Kestrel cannot serve h2c and HTTP/1.1 on one cleartext port).
"${pin_load[@]}" dotnet "$echo_dll" --listen 127.0.0.1:0 --name echo-h2c --namespace default --h2c >"$work/echo-h2c.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening on' "$work/echo-h2c.log" && break; sleep 0.1; done
backend_h2c_port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/echo-h2c.log" | head -n1)
measure direct "http://$backend$bench_path" "http://127.0.0.1:$backend_h2c_port$bench_path"
stop_pid "${pids[-1]}"

# ---- nginx ---------------------------------------------------------------------------------
if [[ " $proxies " == *" nginx "* ]]; then
    nginx_h1=$(free_port); nginx_h2=$(free_port)
    mkdir -p "$work/nginx/logs"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $proxy_cpu_count;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    # nginx closes a connection after 1000 requests by default (client side, HTTP/2 included,
    # and upstream); HAProxy and Kestrel do not, and h2load does not reconnect in timed runs.
    keepalive_requests 1000000;
    upstream echo { server $backend; keepalive 256; keepalive_requests 1000000; }
    server {
        listen 127.0.0.1:$nginx_h1;
        listen 127.0.0.1:$nginx_h2 http2;
        location / {
            proxy_pass http://echo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
}
CONF
    "${pin_proxy[@]}" nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" >"$work/nginx.out" 2>&1 &
    pids+=($!)
    if wait_http "http://127.0.0.1:$nginx_h1/"; then
        measure nginx "http://127.0.0.1:$nginx_h1$bench_path" "http://127.0.0.1:$nginx_h2$bench_path"
    else
        echo "nginx did not start:" >&2; cat "$work/nginx.out" "$work/nginx/error.log" >&2; exit 1
    fi
    stop_pid "${pids[-1]}"
fi

# ---- HAProxy -------------------------------------------------------------------------------
if [[ " $proxies " == *" haproxy "* ]]; then
    haproxy_h1=$(free_port); haproxy_h2=$(free_port)
    cat >"$work/haproxy.cfg" <<CONF
global
    nbthread $proxy_cpu_count
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
    http-reuse always
frontend fe
    bind 127.0.0.1:$haproxy_h1
    bind 127.0.0.1:$haproxy_h2 proto h2
    default_backend echo
backend echo
    server echo1 $backend maxconn 1000
CONF
    "${pin_proxy[@]}" haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.out" 2>&1 &
    pids+=($!)
    if wait_http "http://127.0.0.1:$haproxy_h1/"; then
        measure haproxy "http://127.0.0.1:$haproxy_h1$bench_path" "http://127.0.0.1:$haproxy_h2$bench_path"
    else
        echo "HAProxy did not start:" >&2; cat "$work/haproxy.out" >&2; exit 1
    fi
    stop_pid "${pids[-1]}"
fi

# ---- Beacon --------------------------------------------------------------------------------
beacon_ok=0
if [[ " $proxies " == *" beacon "* ]]; then
    gateway_port=$(free_port); status_port=$(free_port)
    manifests="$work/manifests"
    mkdir -p "$manifests"
    cat >"$manifests/gateway.yaml" <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: beacon
  generation: 1
spec:
  controllerName: beacon.dev/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench
  namespace: default
  generation: 1
spec:
  gatewayClassName: beacon
  addresses:
    - type: IPAddress
      value: $beacon_address
  listeners:
    - name: http
      protocol: HTTP
      port: $gateway_port
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: default
spec:
  type: ClusterIP
  ports:
    - name: http
      port: 80
      targetPort: $backend_port
      protocol: TCP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: default
  labels:
    kubernetes.io/service-name: echo
addressType: IPv4
ports:
  - name: http
    port: $backend_port
    protocol: TCP
endpoints:
  - addresses: [127.0.0.1]
    nodeName: bench
    conditions:
      ready: true
YAML
    # Change i (0 = the initial route): PathPrefix / to echo always; a second rule whose path
    # changes every time and that carries a header match on odd changes only.
    write_route() {
        local i=$1
        {
            printf 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n'
            printf '  name: echo\n  namespace: default\n  generation: %d\n' $((i + 1))
            printf 'spec:\n  parentRefs:\n    - name: bench\n  rules:\n'
            printf '    - matches:\n        - path: {type: PathPrefix, value: /}\n'
            printf '      backendRefs:\n        - {name: echo, port: 80}\n'
            if ((i > 0)); then
                printf '    - matches:\n        - path: {type: PathPrefix, value: /change-%d}\n' "$i"
                ((i % 2)) && printf '          headers:\n            - {name: x-bench-change, value: "%d"}\n' "$i"
                printf '      backendRefs:\n        - {name: echo, port: 80}\n'
            fi
        } >"$manifests/.route.yaml.tmp"
        mv "$manifests/.route.yaml.tmp" "$manifests/route.yaml"
    }
    write_route 0

    "${pin_proxy[@]}" dotnet "$agent_dll" run --manifests "$manifests" --node bench \
        --status-listen "127.0.0.1:$status_port" >"$work/beacon.log" 2>&1 &
    beacon_pid=$!
    pids+=("$beacon_pid")
    beacon_url="http://$beacon_address:$gateway_port"
    if ! wait_http "http://127.0.0.1:$status_port/healthz" 30; then
        echo "Beacon: the agent did not start (no /healthz on 127.0.0.1:$status_port):" >&2
        tail -n 20 "$work/beacon.log" >&2
    elif ! wait_http "$beacon_url/" 30 || ! curl -s "$beacon_url/" | grep -q '"service":"echo"'; then
        echo "Beacon: this build of the agent does not serve the Gateway: nothing answers $beacon_url/" >&2
        echo "        through to the echo backend 30 s after start. Beacon rows are n/a, not measured." >&2
        echo "        Gateway API status it reports: $(curl -s "http://127.0.0.1:$status_port/api/v1/status" | jq -c '[.[] | select(.apiVersion | startswith("gateway.networking.k8s.io"))]' 2>/dev/null || echo none)" >&2
        tail -n 5 "$work/beacon.log" >&2
    else
        beacon_ok=1
    fi
    if ((beacon_ok)); then
        # h2c on an HTTP listener is measured only if Beacon speaks it; otherwise the row says n/a.
        measure beacon "$beacon_url$bench_path" "$beacon_url$bench_path"
    else
        for m in h1_rps h1_p50 h1_p99 h1_err h2_rps h2_p50 h2_p99 h2_err; do declare -n ref=$m; ref[beacon]=n/a; unset -n ref; done
        exit_status=3
    fi
fi

# ---- report --------------------------------------------------------------------------------
ratio() { # a b → a/b with two decimals, or n/a
    [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }' || echo n/a
}
table() { # title prefix
    local title=$1 p=$2 name
    declare -n rps_=${p}_rps p50_=${p}_p50 p99_=${p}_p99 err_=${p}_err
    echo
    echo "$title"
    printf '  %-8s %10s %10s %10s %16s\n' proxy RPS "p50 ms" "p99 ms" "errors"
    for name in direct nginx haproxy beacon; do
        [[ -n ${rps_[$name]:-} ]] || continue
        printf '  %-8s %10s %10s %10s %16s\n' "$name" "${rps_[$name]}" "${p50_[$name]}" "${p99_[$name]}" "${err_[$name]}"
    done
    if [[ -n ${rps_[beacon]:-} ]]; then
        for name in nginx haproxy; do
            [[ -n ${rps_[$name]:-} ]] || continue
            printf '  Beacon/%-8s RPS x%s   p50 x%s   p99 x%s\n' "$name" \
                "$(ratio "${rps_[beacon]}" "${rps_[$name]}")" "$(ratio "${p50_[beacon]}" "${p50_[$name]}")" "$(ratio "${p99_[beacon]}" "${p99_[$name]}")"
        done
    fi
    if [[ -n ${rps_[nginx]:-} && -n ${rps_[haproxy]:-} ]]; then
        printf '  %-15s RPS x%s   p50 x%s   p99 x%s\n' "HAProxy/nginx" \
            "$(ratio "${rps_[haproxy]}" "${rps_[nginx]}")" "$(ratio "${p50_[haproxy]}" "${p50_[nginx]}")" "$(ratio "${p99_[haproxy]}" "${p99_[nginx]}")"
    fi
    unset -n rps_ p50_ p99_ err_
}
echo
echo "$(nproc) CPUs, proxy on CPU ${proxy_cpus} (${proxy_cpu_count} workers), load+backend on CPU ${load_cpus}; $connections connections, ${duration}s after ${warmup}s warm-up"
table "HTTP/1.1 keep-alive, wrk -t$wrk_threads -c$connections --latency, GET $bench_path (13-byte body); errors = non-2xx/socket" h1
table "HTTP/2 h2c prior knowledge, h2load -t$wrk_threads -c$connections -m$h2_streams; errors = failed+errored+timeout" h2

# ---- route changes under load --------------------------------------------------------------
if ((beacon_ok && changes > 0)); then
    change_duration=$(( (changes + 9) / 10 + 6 ))
    ((change_duration < duration)) && change_duration=$duration
    echo
    echo "route changes under load: $changes HTTPRoute changes, one every ~100 ms, during wrk -c$connections -d${change_duration}s"
    "${pin_load[@]}" wrk -t"$wrk_threads" -c"$connections" -d"${change_duration}s" --latency "$beacon_url$bench_path" >"$work/wrk.changes.txt" &
    wrk_pid=$!
    pids+=("$wrk_pid")
    sleep 2
    for i in $(seq 1 "$changes"); do write_route "$i"; sleep 0.1; done
    wait "$wrk_pid"
    IFS=/ read -r non2xx socket < <(wrk_errors "$work/wrk.changes.txt")
    echo "  requests: $(awk '/requests in/ { print $1 }' "$work/wrk.changes.txt"), RPS $(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.changes.txt")"
    echo "  non-2xx responses: $non2xx, socket errors: $socket  (target: 0)"
    grep -E 'Socket errors' "$work/wrk.changes.txt" | sed 's/^/  wrk: /' || true
    # Beacon reports the generation of the route it applied; the last change must have landed.
    final=$((changes + 1))
    observed=$(curl -s "http://127.0.0.1:$status_port/api/v1/status" |
        jq -r '[.[] | select(.kind == "HTTPRoute" and .name == "echo") | .status.parents[]?.conditions[]? | .observedGeneration] | max // "none"' 2>/dev/null || echo none)
    echo "  HTTPRoute generation written: $final, observedGeneration in Beacon's status: $observed"
    if [[ $non2xx != 0 || $socket != 0 ]]; then
        echo "  FAIL: errors while routes changed"
        ((exit_status == 0)) && exit_status=4
    fi
fi
if ((exit_status == 3)); then echo; echo "Beacon: n/a (the agent build does not serve the Gateway); exit 3"; fi
exit "$exit_status"
