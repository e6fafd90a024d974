#!/usr/bin/env bash
# gen-vs-wrk.sh — measure the lab's load generator against wrk on the same
# do-nothing target (`lab sink`) with the same connections.
#
#   harness/peers/gen-vs-wrk.sh [CONNS] [SECONDS] [ROUNDS]      (defaults 50 5 5)
#
# Installs wrk with apt-get when it is missing (the only place the lab
# installs it; the test suite never needs it). Runs wrk and `loadtest
# -keepalive -duration` alternately ROUNDS times (wrk, ours, wrk, ours, ...
# so drift on a shared machine hits both), both POSTing the same one-metric
# body over CONNS keep-alive connections, and prints each round and the
# medians. Run it on an otherwise idle machine: the sink, wrk and the
# generator share its cores.
set -euo pipefail
conns=${1:-50} secs=${2:-5} rounds=${3:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! command -v wrk >/dev/null; then
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
tmp=$(mktemp -d)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/lab" ./cmd/lab
go build -o "$tmp/loadtest" ./cmd/loadtest
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tmp/lab" sink -addr "127.0.0.1:$port" >/dev/null &
sink_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "target: lab sink on 127.0.0.1:$port; $conns connections, ${secs}s per run, $rounds rounds; $(nproc) CPUs"
w=() g=()
for r in $(seq "$rounds"); do
	wr=$(wrk -t2 -c"$conns" -d"${secs}s" -s harness/peers/post.lua "http://127.0.0.1:$port/metrics" | awk '/Requests\/sec/ {print $2}')
	gr=$("$tmp/loadtest" -keepalive -duration "${secs}s" "$port" "$conns" 0 | awk '/Throughput:/ {print $2}')
	printf 'round %d: wrk %10.0f req/s   loadtest %10.0f req/s   ratio %.2f\n' "$r" "$wr" "$gr" "$(echo "$gr / $wr" | bc -l)"
	w+=("$wr") g+=("$gr")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mw=$(median "${w[@]}") mg=$(median "${g[@]}")
printf 'median: wrk %.0f req/s, loadtest %.0f req/s, loadtest/wrk = %.2f\n' "$mw" "$mg" "$(echo "$mg / $mw" | bc -l)"
