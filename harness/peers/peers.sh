#!/usr/bin/env bash
# peers.sh — the lab's server and generator beside their peers, in one run
# on one machine (`make peers`).
#
#   harness/peers/peers.sh [CONNS] [SECONDS] [ROUNDS]      (defaults 50 3 5)
#
# Targets, all on 127.0.0.1, all with the rate limit off and answering a
# one-metric POST /metrics (harness/peers/post.lua's body):
#   nethttp-noop  `lab noop`: a do-nothing net/http handler (reads the body,
#                 answers {"accepted":1}) — the cost of net/http alone
#   fasthttp-noop `lab noop -impl fasthttp`: the same on valyala/fasthttp,
#                 the fastest common Go HTTP/1.1 server (an aim: 0.8x of it)
#   reference     cmd/reference: the contract on net/http + encoding/json
#   optimized     cmd/metricstream built with the optimized preset's tags
# Load: wrk against each target, and the lab's generator (cmd/loadtest)
# against nethttp-noop with the same connections; each in keep-alive mode
# and with a new connection per request (wrk: "Connection: close";
# loadtest: its default mode). Every round runs every (target, tool, mode)
# once, interleaved, so drift on a shared machine hits all alike.
#
# Where two or more CPUs exist, the servers run under `taskset -c 0` and the
# load under `taskset -c 1` (so GOMAXPROCS is 1 on each side, and wrk runs
# one thread); otherwise nothing is pinned (said in the output).
#
# Writes results/peers/<UTC date>.txt (benchfmt: one line per run, e.g.
#   BenchmarkPeer/target=nethttp-noop/tool=wrk/mode=keepalive/conns=50 1 84000 req/s 1200000 p99-ns 0 errors
# ), prints the median ratios the lab's targets are about, then benchstat
# tables. Installs wrk (Debian package) with apt-get when it is missing.
set -euo pipefail
conns=${1:-50} secs=${2:-3} rounds=${3:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if ! command -v wrk >/dev/null; then
	echo "peers: installing wrk" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "peers: building lab, loadtest, reference, optimized" >&2
go build -o "$tmp/lab" ./cmd/lab
go build -o "$tmp/loadtest" ./cmd/loadtest
go build -o "$tmp/reference" ./cmd/reference
go build -tags "$("$tmp/lab" tags optimized)" -o "$tmp/optimized" ./cmd/metricstream

srv_pin=() load_pin=() wrk_threads=2 pinning="none (fewer than 2 CPUs or no taskset)"
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	srv_pin=(taskset -c 0) load_pin=(taskset -c 1) wrk_threads=1 pinning="servers cpu0, load cpu1"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # port: wait until it accepts connections (bounded: 10 s)
	for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
	echo "peers: nothing listening on port $1" >&2
	return 1
}
declare -A port
port[nethttp-noop]=$(free_port)
"${srv_pin[@]}" "$tmp/lab" noop -addr "127.0.0.1:${port[nethttp-noop]}" >/dev/null &
pids+=($!)
port[fasthttp-noop]=$(free_port)
"${srv_pin[@]}" "$tmp/lab" noop -impl fasthttp -addr "127.0.0.1:${port[fasthttp-noop]}" >/dev/null &
pids+=($!)
port[reference]=$(free_port)
"${srv_pin[@]}" "$tmp/reference" -addr "127.0.0.1:${port[reference]}" -data "$tmp/reference.jsonl" -rate-limit 0 2>"$tmp/reference.log" &
pids+=($!)
port[optimized]=$(free_port)
"${srv_pin[@]}" "$tmp/optimized" -addr "127.0.0.1:${port[optimized]}" -data "$tmp/optimized.jsonl" -rate-limit 0 -log-level warn 2>"$tmp/optimized.log" &
pids+=($!)
for t in nethttp-noop fasthttp-noop reference optimized; do wait_up "${port[$t]}"; done

# to_ns VALUE-WITH-UNIT (wrk's 1.23ms, 850.00us, 1.02s)
to_ns() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
	m = (u == "us") ? 1e3 : (u == "ms") ? 1e6 : (u == "s") ? 1e9 : (u == "m") ? 6e10 : 1; printf "%.0f", n * m }'; }
# run_wrk TARGET MODE -> "req/s p99-ns errors"
run_wrk() {
	local hdr=()
	[ "$2" = close ] && hdr=(-H "Connection: close")
	local out
	out=$("${load_pin[@]}" wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --latency "${hdr[@]}" -s harness/peers/post.lua "http://127.0.0.1:${port[$1]}/metrics")
	local rps p99 errs
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p99=$(to_ns "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	errs=$(awk '/Socket errors/ {gsub(",", ""); s = $4 + $6 + $8 + $10} /Non-2xx/ {s += $NF} END {print s + 0}' <<<"$out")
	echo "$rps $p99 $errs"
}
# run_gen TARGET MODE -> "req/s p99-ns errors" (the lab's generator)
run_gen() {
	local ka=()
	[ "$2" = keepalive ] && ka=(-keepalive)
	local out
	out=$("${load_pin[@]}" "$tmp/loadtest" "${ka[@]}" -duration "${secs}s" "${port[$1]}" "$conns" 0)
	local rps p99 errs
	rps=$(awk '/^Throughput:/ {print $2}' <<<"$out")
	p99=$(to_ns "$(awk '/^Latency:/ {for (i = 1; i < NF; i++) if ($i == "p99") print $(i+1)}' <<<"$out" | sed 's/µs/us/')")
	errs=$(awk '/^Status:/ {gsub(",", ""); print $5 + $7 + $9 + $11 + $13 + $16}' <<<"$out")
	echo "$rps $p99 $errs"
}

mkdir -p results/peers
file=results/peers/$(date -u +%Y%m%dT%H%M%SZ).txt
{
	echo "goos: $(go env GOOS)"
	echo "goarch: $(go env GOARCH)"
	echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "go: $(go env GOVERSION)"
	echo "wrk: $(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
	echo "pinning: $pinning"
	echo "nproc: $(nproc)"
	echo "load-average: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$file"
echo "peers: $conns connections, ${secs}s per run, $rounds rounds; pinning: $pinning; load average $(cut -d' ' -f1-3 /proc/loadavg)"
runs=("nethttp-noop wrk" "fasthttp-noop wrk" "reference wrk" "optimized wrk" "nethttp-noop loadtest")
for r in $(seq "$rounds"); do
	for mode in keepalive close; do
		for run in "${runs[@]}"; do
			read -r target tool <<<"$run"
			if [ "$tool" = wrk ]; then res=$(run_wrk "$target" "$mode"); else res=$(run_gen "$target" "$mode"); fi
			read -r rps p99 errs <<<"$res"
			line=$(printf 'BenchmarkPeer/target=%s/tool=%s/mode=%s/conns=%d 1 %.0f req/s %s p99-ns %s errors' "$target" "$tool" "$mode" "$conns" "$rps" "$p99" "$errs")
			echo "$line" >>"$file"
			printf 'round %d  %-60s %9.0f req/s  p99 %8.2f ms  errors %s\n' "$r" "${target}/${tool}/${mode}" "$rps" "$(echo "$p99 / 1000000" | bc -l)" "$errs"
		done
	done
done

# median req/s of one (target, tool, mode) from the file
med() { awk -v k="BenchmarkPeer/target=$1/tool=$2/mode=$3/" 'index($1, k) == 1 {print $3}' "$file" |
	sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
echo
echo "medians over $rounds rounds (req/s), $conns connections:"
for mode in keepalive close; do
	noop=$(med nethttp-noop wrk "$mode") fast=$(med fasthttp-noop wrk "$mode") ref=$(med reference wrk "$mode") opt=$(med optimized wrk "$mode") gen=$(med nethttp-noop loadtest "$mode")
	printf '  %-9s  wrk: nethttp-noop %.0f  fasthttp-noop %.0f  reference %.0f  optimized %.0f   loadtest: nethttp-noop %.0f\n' "$mode" "$noop" "$fast" "$ref" "$opt" "$gen"
	printf '  %-9s  optimized / nethttp-noop = %s (target >= 1.0)   optimized / fasthttp-noop = %s (aim >= 0.8)   optimized / reference = %s   generator / wrk = %s (target >= 0.9)\n' \
		"$mode" "$(ratio "$opt" "$noop")" "$(ratio "$opt" "$fast")" "$(ratio "$opt" "$ref")" "$(ratio "$gen" "$noop")"
done
echo
echo "### wrk, by target"
go tool benchstat -filter '/tool:wrk' -col /target "$file" || true
echo
echo "### against nethttp-noop, by tool"
go tool benchstat -filter '/target:nethttp-noop' -col /tool "$file" || true
echo
echo "peers: $file"
