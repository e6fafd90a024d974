#!/usr/bin/env bash
# multihost.sh — the lab's multi-host path on one machine: three network
# namespaces, one server host and two generator hosts, joined by veth pairs
# and a bridge, addressed from 198.51.100.0/24 (RFC 5737 TEST-NET-2), which
# exists only inside those namespaces and goes with them. Both generator
# hosts run `lab experiment -target` against the server at the same time
# with one run id, and `lab merge` combines their results.
#
#   harness/multihost/multihost.sh [OUT]      (default results/multihost/<run-id>)
#
# Root only (ip netns, unshare). Environment: MULTIHOST_COUNT trials per
# host (default 2), BIN a directory holding lab and metricstream already
# built (default: built here into a temp dir).
#
#   OUT/gen1/<id>/, OUT/gen2/<id>/   each generator host's run
#   OUT/merged/<id>/                 lab merge of the two
#   OUT/server-metrics.json          the server's GET /metrics after both
#   OUT/server.jsonl                 its data file (after SIGTERM)
#   OUT/run-id                       the run id
#
# Layout (every name below lives inside the namespaces; the root namespace
# gets no interface, address or route):
#
#   ms<pid>-srv: br0 198.51.100.1/24 ── veth ── ms<pid>-g1: eth0 198.51.100.11/24
#                 └──────────────────── veth ── ms<pid>-g2: eth0 198.51.100.12/24
#
# The generator namespaces have only the /24's connected route: no default
# route, so nothing they send can leave. Loads are bounded: the scenario
# (harness/multihost/scenarios/multihost.json) is open loop, 800 req/s for
# 1 s a trial. Everything is removed on exit, failure included (trap).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ "$(id -u)" -eq 0 ] || { echo "multihost: needs root (ip netns, unshare)" >&2; exit 2; }
for c in ip unshare; do command -v "$c" >/dev/null || { echo "multihost: $c not found" >&2; exit 2; }; done

id="multihost-$(date -u +%Y%m%dT%H%M%SZ)-$$"
out=${1:-results/multihost/$id}
count=${MULTIHOST_COUNT:-2}
mkdir -p "$out"
out=$(cd "$out" && pwd)
ns_srv="ms$$-srv" ns_g1="ms$$-g1" ns_g2="ms$$-g2"
srv_ip=198.51.100.1 port=8080
tmp=$(mktemp -d)
srv_pid=""
cleanup() {
	if [ -n "$srv_pid" ]; then kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; fi
	for ns in "$ns_g1" "$ns_g2" "$ns_srv"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

bin=${BIN:-}
if [ -z "$bin" ]; then
	bin=$tmp
	echo "multihost: building lab and metricstream (optimized)" >&2
	go build -o "$bin/lab" ./cmd/lab
	go build -tags "$("$bin/lab" tags optimized)" -o "$bin/metricstream" ./cmd/metricstream
fi

echo "multihost: namespaces $ns_srv $ns_g1 $ns_g2, 198.51.100.0/24, run id $id" >&2
for ns in "$ns_srv" "$ns_g1" "$ns_g2"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip -n "$ns_srv" link add br0 type bridge
ip -n "$ns_srv" addr add "$srv_ip/24" dev br0
ip -n "$ns_srv" link set br0 up
n=0
for ns in "$ns_g1" "$ns_g2"; do
	n=$((n + 1))
	# both ends created inside their namespaces: no interface ever appears
	# in the root namespace
	ip link add eth0 netns "$ns" type veth peer name "g$n" netns "$ns_srv"
	ip -n "$ns_srv" link set "g$n" master br0
	ip -n "$ns_srv" link set "g$n" up
	ip -n "$ns" addr add "198.51.100.1$n/24" dev eth0
	ip -n "$ns" link set eth0 up
done

ip netns exec "$ns_srv" "$bin/metricstream" -addr "$srv_ip:$port" -data "$out/server.jsonl" \
	-rate-limit 0 -max-ids-per-addr 1000000 -log-level warn 2>"$out/server.log" &
srv_pid=$!
up=""
for _ in $(seq 100); do
	if ip netns exec "$ns_g1" bash -c "exec 3<>/dev/tcp/$srv_ip/$port" 2>/dev/null; then up=1; break; fi
	sleep 0.1
done
[ -n "$up" ] || { cat "$out/server.log" >&2; echo "multihost: the server is not reachable from $ns_g1" >&2; exit 1; }

# each generator host: its own network namespace and its own hostname (a
# UTS namespace), as two machines have; the same run id
gen() { # NAMESPACE HOSTNAME
	ip netns exec "$1" unshare --uts bash -c 'hostname "$1" && shift && exec "$@"' _ "$2" \
		"$bin/lab" experiment -target "$srv_ip:$port" -run-id "$id" -out "$out/$2" \
		-scenario-dir "$root/harness/multihost/scenarios" -scenarios multihost -count "$count" -quiet -reports "" \
		>"$out/$2.log" 2>&1
}
gen "$ns_g1" gen1 & g1=$!
gen "$ns_g2" gen2 & g2=$!
fail=0
wait "$g1" || { echo "multihost: gen1 failed:" >&2; cat "$out/gen1.log" >&2; fail=1; }
wait "$g2" || { echo "multihost: gen2 failed:" >&2; cat "$out/gen2.log" >&2; fail=1; }
[ "$fail" -eq 0 ] || exit 1

ip netns exec "$ns_g1" "$bin/lab" merge "$out/gen1/$id" "$out/gen2/$id" -out "$out/merged/$id"
ip netns exec "$ns_g1" bash -c "exec 3<>/dev/tcp/$srv_ip/$port; printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; cat <&3" |
	sed '1,/^\r$/d' >"$out/server-metrics.json"
kill -TERM "$srv_pid"
wait "$srv_pid" || { echo "multihost: the server exited $?" >&2; exit 1; }
srv_pid=""
echo "$id" >"$out/run-id"
echo "multihost: $out/merged/$id (gen1 + gen2, run id $id)"
