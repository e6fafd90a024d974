#!/usr/bin/env bash
# peers.sh — the lab's server and generator beside their peers, in one run
# on one machine (`make peers`), with every figure gated on a correct run.
#
#   harness/peers/peers.sh [CONNS] [SECONDS] [ROUNDS]      (defaults 50 3 5)
#
# Environment: PEERS_CLIENTS client ids (default CONNS), PEERS_QUOTA the rate
# limit per client and second (default 100000), PEERS_PROFILE=1 to end with a
# CPU profile of optimized under wrk (keep-alive) and its `go tool pprof -top`.
#
# Targets, all on 127.0.0.1, all answering a one-metric POST /metrics
# (harness/peers/post.lua's body):
#   nethttp-noop   `lab noop`: a do-nothing net/http handler (reads the body,
#                  answers {"accepted":1}) — the cost of net/http alone
#   fasthttp-noop  `lab noop -impl fasthttp`: the same on valyala/fasthttp
#   reference      cmd/reference: the contract on net/http + encoding/json,
#                  one mutex, a synchronous write and flush per request
#   optimized      cmd/metricstream, the optimized preset
#   optimized-sync cmd/metricstream, the optimized preset with writer=sync
#                  (so the async writer's share shows beside reference)
# The ingestion servers run the whole pipeline: rate limiter ON at
# PEERS_QUOTA per client per second, a quota no client reaches here (each of
# the PEERS_CLIENTS ids post.lua cycles through gets 1/PEERS_CLIENTS of the
# load), so the limiter's lock table and window are on every request's path
# and no request is refused; the data file is written; the metrics recorder
# counts every request (its drops are read from GET /metrics and printed).
#
# Load: wrk against every target, and the lab's generator (cmd/loadtest)
# against both do-nothing targets, same connections, each in keep-alive mode
# and with a new connection per request (wrk: "Connection: close";
# loadtest: its default mode). Every round runs every (target, tool, mode)
# once, interleaved, so drift on a shared machine hits all alike.
#
# Gates: a run counts only if it had zero errors (wrk: socket errors +
# non-2xx; loadtest: everything but 2xx) and, for the ingestion servers, if
# after it the data file holds exactly as many lines as the server
# acknowledged (GET /metrics "metrics_accepted") and at least as many as wrk
# counted 2xx answers. Runs that fail a gate go to <file>.excluded.txt with
# the reason; medians, ratios and benchstat use only the runs that passed,
# and a ratio with no passing run on a side prints why instead.
#
# Where two or more CPUs exist, the servers run under `taskset -c 0` and the
# load under `taskset -c 1` (so GOMAXPROCS is 1 on each side, and wrk runs
# one thread); otherwise nothing is pinned (said in the output).
#
# Writes results/peers/<UTC date>.txt (benchfmt: one line per passing run, e.g.
#   BenchmarkPeer/target=nethttp-noop/tool=wrk/mode=keepalive/conns=50 1 84000 req/s 1200000 p99-ns
# ), prints the gated medians and ratios, then benchstat tables. Installs
# wrk (Debian package) with apt-get when it is missing.
set -euo pipefail
conns=${1:-50} secs=${2:-3} rounds=${3:-5}
clients=${PEERS_CLIENTS:-$conns} quota=${PEERS_QUOTA:-100000}
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

echo "peers: building lab, loadtest, reference, optimized, optimized-sync" >&2
go build -o "$tmp/lab" ./cmd/lab
go build -o "$tmp/loadtest" ./cmd/loadtest
go build -o "$tmp/reference" ./cmd/reference
go build -tags "$("$tmp/lab" tags optimized)" -o "$tmp/optimized" ./cmd/metricstream
go build -tags "$("$tmp/lab" tags writer=sync)" -o "$tmp/optimized-sync" ./cmd/metricstream

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
targets=(nethttp-noop fasthttp-noop reference optimized optimized-sync)
ingest=(reference optimized optimized-sync)
declare -A port
for t in "${targets[@]}"; do port[$t]=$(free_port); done
"${srv_pin[@]}" "$tmp/lab" noop -addr "127.0.0.1:${port[nethttp-noop]}" >/dev/null &
pids+=($!)
"${srv_pin[@]}" "$tmp/lab" noop -impl fasthttp -addr "127.0.0.1:${port[fasthttp-noop]}" >/dev/null &
pids+=($!)
"${srv_pin[@]}" "$tmp/reference" -addr "127.0.0.1:${port[reference]}" -data "$tmp/reference.jsonl" -rate-limit "$quota" 2>"$tmp/reference.log" &
pids+=($!)
pprof_port=$(free_port)
"${srv_pin[@]}" "$tmp/optimized" -addr "127.0.0.1:${port[optimized]}" -data "$tmp/optimized.jsonl" -rate-limit "$quota" \
	-log-level warn -pprof "127.0.0.1:$pprof_port" 2>"$tmp/optimized.log" &
pids+=($!)
"${srv_pin[@]}" "$tmp/optimized-sync" -addr "127.0.0.1:${port[optimized-sync]}" -data "$tmp/optimized-sync.jsonl" -rate-limit "$quota" \
	-log-level warn 2>"$tmp/optimized-sync.log" &
pids+=($!)
for t in "${targets[@]}"; do wait_up "${port[$t]}"; done

# stat TARGET FIELD: one figure of the ingestion server's GET /metrics
# (accepted, dropped: the recorder's dropped events, -1 where it has none;
# clients: the limiter's tracked clients)
stat() {
	curl -fsS "http://127.0.0.1:${port[$1]}/metrics" | python3 -c '
import json, sys
d, f = json.load(sys.stdin), sys.argv[1]
print({"accepted": lambda: d["metrics_accepted"],
       "dropped": lambda: d.get("clients", {}).get("dropped", -1),
       "clients": lambda: d["limiter"]["clients"]}[f]())' "$2"
}
lines() { if [ -f "$tmp/$1.jsonl" ]; then wc -l <"$tmp/$1.jsonl"; else echo 0; fi; }
declare -A acked # 2xx answers wrk counted per ingestion target, all runs so far
for t in "${ingest[@]}"; do acked[$t]=0; done
# integrity TARGET: "ok" when the file's lines equal the metrics the server
# acknowledged and cover every 2xx wrk saw (waits up to 5 s for an async
# writer to drain), else why not
integrity() {
	local acc n
	for _ in $(seq 50); do
		acc=$(stat "$1" accepted) n=$(lines "$1")
		[ "$n" -eq "$acc" ] && break
		sleep 0.1
	done
	if [ "$n" -ne "$acc" ]; then echo "file has $n lines, server acknowledged $acc"
	elif [ "$n" -lt "${acked[$1]}" ]; then echo "file has $n lines, wrk got ${acked[$1]} 2xx"
	else echo ok; fi
}

# to_ns VALUE-WITH-UNIT (wrk's 1.23ms, 850.00us, 1.02s)
to_ns() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
	m = (u == "us") ? 1e3 : (u == "ms") ? 1e6 : (u == "s") ? 1e9 : (u == "m") ? 6e10 : 1; printf "%.0f", n * m }'; }
# run_wrk TARGET MODE -> "req/s p99-ns errors 2xx"
run_wrk() {
	local hdr=()
	[ "$2" = close ] && hdr=(-H "Connection: close")
	local out
	out=$("${load_pin[@]}" wrk -t"$wrk_threads" -c"$conns" -d"${secs}s" --latency "${hdr[@]}" -s harness/peers/post.lua \
		"http://127.0.0.1:${port[$1]}/metrics" -- "$clients")
	local rps p99 errs ok
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	p99=$(to_ns "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	errs=$(awk '/Socket errors/ {gsub(",", ""); s = $4 + $6 + $8 + $10} /Non-2xx/ {s += $NF} END {print s + 0}' <<<"$out")
	ok=$(awk '/requests in/ {n = $1} /Non-2xx/ {b = $NF} END {print n - b}' <<<"$out")
	echo "$rps $p99 $errs $ok"
}
# run_gen TARGET MODE -> "req/s p99-ns errors 2xx" (the lab's generator)
run_gen() {
	local ka=()
	[ "$2" = keepalive ] && ka=(-keepalive)
	local out
	out=$("${load_pin[@]}" "$tmp/loadtest" "${ka[@]}" -duration "${secs}s" "${port[$1]}" "$conns" 0)
	local rps p99 errs
	rps=$(awk '/^Throughput:/ {print $2}' <<<"$out")
	p99=$(to_ns "$(awk '/^Latency:/ {for (i = 1; i < NF; i++) if ($i == "p99") print $(i+1)}' <<<"$out" | sed 's/µs/us/')")
	errs=$(awk '/^Status:/ {gsub(",", ""); print $5 + $7 + $9 + $11 + $13 + $16}' <<<"$out")
	echo "$rps $p99 $errs 0"
}

mkdir -p results/peers
file=results/peers/$(date -u +%Y%m%dT%H%M%SZ).txt
excl=${file%.txt}.excluded.txt
{
	echo "goos: $(go env GOOS)"
	echo "goarch: $(go env GOARCH)"
	echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "go: $(go env GOVERSION)"
	echo "wrk: $(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
	echo "pinning: $pinning"
	echo "nproc: $(nproc)"
	echo "clients: $clients"
	echo "rate-limit: $quota"
	echo "load-average: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$file"
: >"$excl"
echo "peers: $conns connections, $clients client ids, rate limit $quota/s per client, ${secs}s per run, $rounds rounds; pinning: $pinning; load average $(cut -d' ' -f1-3 /proc/loadavg)"
runs=("nethttp-noop wrk" "fasthttp-noop wrk" "reference wrk" "optimized wrk" "optimized-sync wrk" "nethttp-noop loadtest" "fasthttp-noop loadtest")
declare -A why dropped_max lim_max
for r in $(seq "$rounds"); do
	for mode in keepalive close; do
		for run in "${runs[@]}"; do
			read -r target tool <<<"$run"
			key=$target/$tool/$mode
			drop0=0
			[ "$target" = optimized ] || [ "$target" = optimized-sync ] && drop0=$(stat "$target" dropped)
			if [ "$tool" = wrk ]; then res=$(run_wrk "$target" "$mode"); else res=$(run_gen "$target" "$mode"); fi
			read -r rps p99 errs ok <<<"$res"
			reason="" drops=0
			[ "$errs" -ne 0 ] && reason="$errs errors (non-2xx or socket)"
			if [[ " ${ingest[*]} " == *" $target "* ]]; then
				acked[$target]=$((acked[$target] + ok))
				integ=$(integrity "$target")
				# the limiter forgets clients idle for 10 s: read it right after the run
				c=$(stat "$target" clients)
				[ "$c" -gt "${lim_max[$target]:-0}" ] && lim_max[$target]=$c
				[ "$integ" != ok ] && reason="${reason:+$reason; }$integ"
				if [ "$target" != reference ]; then
					drops=$(($(stat "$target" dropped) - drop0))
					[ "$drops" -gt "${dropped_max[$key]:-0}" ] && dropped_max[$key]=$drops
				fi
			fi
			line=$(printf 'BenchmarkPeer/target=%s/tool=%s/mode=%s/conns=%d 1 %.0f req/s %s p99-ns' \
				"$target" "$tool" "$mode" "$conns" "$rps" "$p99")
			if [ -z "$reason" ]; then
				echo "$line" >>"$file"
			else
				echo "$line $errs errors $drops dropped # excluded: $reason" >>"$excl"
				why[$key]=$reason
			fi
			printf 'round %d  %-36s %9.0f req/s  p99 %8.2f ms  errors %s  dropped %s%s\n' "$r" "$key" "$rps" \
				"$(echo "$p99 / 1000000" | bc -l)" "$errs" "$drops" "${reason:+  EXCLUDED: $reason}"
		done
	done
done
for t in "${ingest[@]}"; do
	echo "peers: $t: limiter tracked up to ${lim_max[$t]:-0} clients after a run (limit $quota/s each); file $(lines "$t") lines, server acknowledged $(stat "$t" accepted); wrk saw ${acked[$t]} 2xx"
done

# med KEY -> "median-req/s passing-runs" over the passing runs of one (target, tool, mode)
med() { awk -v k="BenchmarkPeer/target=$1/tool=$2/mode=$3/" 'index($1, k) == 1 {print $3}' "$file" |
	sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "0 0"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), NR}'; }
# ratio A-TARGET A-TOOL B-TARGET B-TOOL MODE: "x.xx" from passing runs, or why there is none
ratio() {
	local a b na nb
	read -r a na <<<"$(med "$1" "$2" "$5")"
	read -r b nb <<<"$(med "$3" "$4" "$5")"
	if [ "$na" -eq 0 ]; then echo "no ratio: $1/$2 passed no run (${why[$1/$2/$5]:-no runs})"
	elif [ "$nb" -eq 0 ]; then echo "no ratio: $3/$4 passed no run (${why[$3/$4/$5]:-no runs})"
	else awk -v a="$a" -v b="$b" -v na="$na" -v nb="$nb" -v r="$rounds" 'BEGIN {printf "%.2f", a / b; if (na < r || nb < r) printf " (from %d and %d of %d runs)", na, nb, r}'; fi
}
echo
echo "medians of the runs that passed the gates (req/s), $conns connections, $clients client ids, limiter on at $quota/s per client:"
for mode in keepalive close; do
	printf '  %s\n' "$mode"
	for run in "${runs[@]}"; do
		read -r target tool <<<"$run"
		read -r m n <<<"$(med "$target" "$tool" "$mode")"
		extra=""
		[ -n "${dropped_max[$target/$tool/$mode]:-}" ] && extra="  recorder dropped up to ${dropped_max[$target/$tool/$mode]} events in a run"
		[ -n "${why[$target/$tool/$mode]:-}" ] && extra="$extra  excluded runs: ${why[$target/$tool/$mode]}"
		fig=$(printf '%9.0f req/s' "$m")
		[ "$n" -eq 0 ] && fig="no figure"
		printf '    %-26s %15s  (%d of %d runs passed)%s\n' "$target/$tool" "$fig" "$n" "$rounds" "$extra"
	done
	printf '    optimized / nethttp-noop       = %s\n' "$(ratio optimized wrk nethttp-noop wrk "$mode")"
	printf '    optimized / fasthttp-noop      = %s\n' "$(ratio optimized wrk fasthttp-noop wrk "$mode")"
	printf '    optimized / reference          = %s\n' "$(ratio optimized wrk reference wrk "$mode")"
	printf '    optimized-sync / reference     = %s\n' "$(ratio optimized-sync wrk reference wrk "$mode")"
	printf '    optimized / optimized-sync     = %s\n' "$(ratio optimized wrk optimized-sync wrk "$mode")"
	printf '    generator / wrk, nethttp-noop  = %s (target >= 0.9)\n' "$(ratio nethttp-noop loadtest nethttp-noop wrk "$mode")"
	printf '    generator / wrk, fasthttp-noop = %s (target >= 0.9)\n' "$(ratio fasthttp-noop loadtest fasthttp-noop wrk "$mode")"
done
echo
echo "### wrk, by target (passing runs only)"
go tool benchstat -filter '/tool:wrk' -col /target "$file" || true
echo
echo "### generator vs wrk, by tool (passing runs only)"
go tool benchstat -filter '/target:(nethttp-noop OR fasthttp-noop)' -col /tool "$file" || true

if [ "${PEERS_PROFILE:-}" = 1 ]; then
	echo
	echo "### optimized under wrk (keep-alive, $clients client ids): CPU profile, go tool pprof -top"
	psecs=$((secs > 2 ? secs - 1 : 1))
	curl -fsS -o "$tmp/cpu.pprof" "http://127.0.0.1:$pprof_port/debug/pprof/profile?seconds=$psecs" &
	cpid=$!
	run_wrk optimized keepalive >/dev/null
	wait "$cpid"
	cp "$tmp/cpu.pprof" "${file%.txt}.optimized.cpu.pprof"
	go tool pprof -top -nodecount 35 "$tmp/optimized" "$tmp/cpu.pprof" 2>/dev/null | head -45
	echo "profile: ${file%.txt}.optimized.cpu.pprof"
fi
echo
echo "peers: $file (excluded runs: $excl)"
