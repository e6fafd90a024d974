# MetricsStream Lab. `make help` lists the targets.
#
# VARIANT is a preset (baseline, phase2 … phase6, optimized) or a spec such as
# parser=fsm,writer=sync; for experiments a list separated by '+' or spaces.

SHELL      := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO         ?= go
VARIANT    ?=
SCENARIOS  ?=
COUNT      ?=
CPUS       ?=
RUN        ?=
ARGS       ?=
FUZZTIME   ?= 5s
BIN        := bin

# Build-time choice of variant: no VARIANT means optimized.
BUILD_VARIANT = $(if $(strip $(VARIANT)),$(VARIANT),optimized)

.PHONY: redis help build tools run variants test test-unit test-race test-norace test-presets lint fuzz-short fuzz \
        experiment compare report report-screenshot bench peers multihost clean test-deadlock docs docs-store

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

tools: ## build bin/lab and bin/loadtest
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/lab ./cmd/lab
	$(GO) build -o $(BIN)/loadtest ./cmd/loadtest

# VARIANT=reference builds the reference server (./cmd/reference, net/http +
# encoding/json) into the same bin/metricstream, so `make run
# VARIANT=reference` serves it; `bin/metricstream -variant` says which it is.
build: tools ## build bin/metricstream for VARIANT (default optimized; reference: ./cmd/reference), plus bin/lab and bin/loadtest
	@if [ '$(BUILD_VARIANT)' = reference ]; then \
		echo "building bin/metricstream: reference -> ./cmd/reference"; \
		$(GO) build -o $(BIN)/metricstream ./cmd/reference; \
	else \
		tags=$$($(BIN)/lab tags '$(BUILD_VARIANT)'); \
		echo "building bin/metricstream: $(BUILD_VARIANT) -> -tags $$tags"; \
		$(GO) build -tags "$$tags" -o $(BIN)/metricstream ./cmd/metricstream; \
	fi
	@$(BIN)/metricstream -variant

run: build ## build VARIANT and start it on :8080 (ARGS= extra flags)
	$(BIN)/metricstream -addr :8080 $(ARGS)

variants: tools ## print the dimension/variant/tag table and the presets
	@$(BIN)/lab variants

test: redis lint test-presets test-race test-norace test-deadlock test-bench fuzz-short ## everything CI runs
	@echo "make test: all checks passed"

# The limiter=redis tests and experiments start their own redis-server on a
# free loopback port (internal/redistest); they only need it on PATH.
redis: ## install Debian's redis-server if it is not on PATH (the redis tests start and stop their own)
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; }
	@redis-server --version

lint: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

test-presets: tools ## build and vet every preset's and every variant's tag set
	@for p in $$($(BIN)/lab presets); do \
		tags=$$($(BIN)/lab tags $$p); \
		echo "preset $$p: -tags $$tags"; \
		$(GO) vet -tags "$$tags" ./cmd/metricstream; \
		$(GO) build -tags "$$tags" -o /dev/null ./cmd/metricstream; \
	done

test-race: ## unit, conformance and integration tests under the race detector
	$(GO) test -race -count=1 -timeout 15m ./...

# Tests built only without the race detector (//go:build !race: where the
# race is the design under test, as metrics=spsc's many producers on one
# ring) never run in test-race: a second, short, non-race pass runs them,
# and only them, in each package that has them.
test-norace: ## the tests test-race cannot build (//go:build !race), without the race detector
	@files=$$(grep -rl --include='*_test.go' '^//go:build.*!race' .); \
	test -n "$$files" || { echo "test-norace: no !race tests"; exit 0; }; \
	for dir in $$(for f in $$files; do dirname $$f; done | sort -u); do \
		tests=$$(for f in $$files; do test "$$(dirname $$f)" = "$$dir" && sed -n 's/^func \(Test[A-Za-z0-9_]*\)(.*/\1/p' $$f; done | paste -sd'|'); \
		test -n "$$tests" || continue; \
		echo "go test -count=1 -run '^($$tests)$$' $$dir"; \
		$(GO) test -count=1 -timeout 5m -run "^($$tests)\$$" $$dir; \
	done

# lock=naive (a seed design) under go-deadlock's lock-order detector: the
# seed's chapter 9 deadlock claim, checked (variants/lock/naive_deadlock_test.go)
test-deadlock: ## lock=naive's tests with go-deadlock swapped in for sync.Mutex (-tags deadlock)
	$(GO) test -tags deadlock -count=1 -run Naive ./variants/lock

test-bench: ## every benchmark once, so none rots
	$(GO) test -run '^$$' -bench . -benchtime 1x -count=1 ./... > /dev/null

fuzz-short: ## a short fuzz pass over every fuzz target (FUZZTIME each)
	@for line in $$($(GO) test -list '^Fuzz' ./... | awk '/^Fuzz/{f=f","$$1} /^ok/{if(f!="")print $$2 f; f=""}'); do \
		pkg=$${line%%,*}; \
		for f in $$(echo $${line#*,} | tr ',' ' '); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg > /tmp/fuzz-$$$$.log 2>&1 || { cat /tmp/fuzz-$$$$.log; exit 1; }; \
		done; \
	done

fuzz: ## a longer fuzz pass (FUZZTIME=5m by default here)
	@$(MAKE) --no-print-directory fuzz-short FUZZTIME=$(if $(filter 5s,$(FUZZTIME)),5m,$(FUZZTIME))

experiment: tools ## run VARIANT (default: the journey) on SCENARIOS (quick, full, all or names), COUNT times each, CPUS=1,2 once per core count, then report
	$(BIN)/lab experiment $(if $(strip $(VARIANT)),-variant '$(VARIANT)') $(if $(SCENARIOS),-scenarios '$(SCENARIOS)') $(if $(COUNT),-count $(COUNT)) $(if $(CPUS),-cpus '$(CPUS)') $(ARGS)

compare: tools ## run A and B interleaved and print the benchstat table
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make compare A=<variant> B=<variant> [SCENARIOS=...] [COUNT=n]"; exit 2; }
	$(BIN)/lab compare -a '$(A)' -b '$(B)' $(if $(SCENARIOS),-scenarios '$(SCENARIOS)') $(if $(COUNT),-count $(COUNT))

# The READMEs state figures only in generated blocks, from runs stored in
# docs/runs/<name>/ (harness/docsgen; go test checks they agree).
docs: tools ## rewrite the READMEs' generated blocks from the stored runs (docs/runs/) and the code
	$(BIN)/lab docs write

docs-store: tools ## store results/RUN as docs/runs/AS (NOTE= the machine it ran on) and rewrite the blocks
	@test -n "$(RUN)" -a -n "$(AS)" || { echo "usage: make docs-store RUN=<run-id> AS=<name> [NOTE='an idle 2-core machine']"; exit 2; }
	$(BIN)/lab docs store -run results/$(RUN) -as $(AS) $(if $(NOTE),-note '$(NOTE)')

report: tools ## build reports/<run-id>/index.html from results (RUN= a run id; default the latest)
	$(BIN)/lab report $(if $(RUN),-run results/$(RUN))

# make report-screenshot: look at a report page as a reader does. Headless
# Chromium (Debian's, installed if missing, like redis) renders
# reports/<RUN>/index.html at SHOT_WIDTH px: first its first screen alone
# (SHOT_WIDTH x FIRST_HEIGHT, what a reader sees before scrolling) as
# reports/<RUN>/screenshot-first.png (and at 0.625 scale as
# screenshot-first-small.png: docs/first-screen.png is that of the stored
# journey run), then the whole page, top to bottom, as
# SHOT_HEIGHT-px tall screenshots reports/<RUN>/screenshot-1.png, -2.png ...
# (every <details> section folded, as a reader first gets it). The page's
# height is measured first (an onload script in a copy of the page, read
# back with --dump-dom); each shot is a wrapper page holding the report in
# an iframe shifted up by k × SHOT_HEIGHT, because headless Chromium's
# --screenshot takes the viewport only and cannot scroll.
SHOT_WIDTH   ?= 1280
SHOT_HEIGHT  ?= 1600
FIRST_HEIGHT ?= 800
CHROMIUM    := chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000

report-screenshot: ## PNG screenshots of reports/<RUN>/index.html (default the latest report): its first screen, then the whole page (installs chromium)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@if [ -n '$(RUN)' ]; then dir=reports/'$(RUN)'; else dir=$$(ls -1td reports/*/ 2>/dev/null | head -1); dir=$${dir%/}; fi; \
	test -n "$$dir" -a -f "$$dir/index.html" || { echo "report-screenshot: no index.html in reports/$(RUN) (make report RUN=<id> first)"; exit 2; }; \
	dir=$$(cd "$$dir" && pwd); log=$$(mktemp); trap 'rm -f "$$dir"/.shot-*.html "$$log"' EXIT; \
	{ cat "$$dir/index.html"; echo "<script>addEventListener('load',function(){document.body.setAttribute('data-shot-height',document.documentElement.scrollHeight)})</script>"; } > "$$dir/.shot-measure.html"; \
	height=$$($(CHROMIUM) --window-size=$(SHOT_WIDTH),$(SHOT_HEIGHT) --dump-dom "file://$$dir/.shot-measure.html" 2>>"$$log" | grep -o 'data-shot-height="[0-9]*"' | grep -o '[0-9][0-9]*' || true); \
	test -n "$$height" || { cat "$$log"; echo "report-screenshot: could not measure the page's height"; exit 1; }; \
	rm -f "$$dir"/screenshot-*.png; \
	$(CHROMIUM) --window-size=$(SHOT_WIDTH),$(FIRST_HEIGHT) --screenshot="$$dir/screenshot-first.png" "file://$$dir/index.html" >>"$$log" 2>&1 || { cat "$$log"; exit 1; }; \
	test -s "$$dir/screenshot-first.png" || { cat "$$log"; echo "report-screenshot: chromium wrote no $$dir/screenshot-first.png"; exit 1; }; \
	$(CHROMIUM) --window-size=$(SHOT_WIDTH),$(FIRST_HEIGHT) --force-device-scale-factor=0.625 --screenshot="$$dir/screenshot-first-small.png" "file://$$dir/index.html" >>"$$log" 2>&1 || { cat "$$log"; exit 1; }; \
	shots=$$(( (height + $(SHOT_HEIGHT) - 1) / $(SHOT_HEIGHT) )); \
	for k in $$(seq 1 $$shots); do \
		printf '<!doctype html><html><body style="margin:0;overflow:hidden"><iframe src="index.html" scrolling="no" style="border:0;position:absolute;left:0;top:-%dpx;width:%dpx;height:%dpx"></iframe></body></html>' \
			$$(( (k - 1) * $(SHOT_HEIGHT) )) $(SHOT_WIDTH) $$height > "$$dir/.shot-$$k.html"; \
		$(CHROMIUM) --window-size=$(SHOT_WIDTH),$(SHOT_HEIGHT) --screenshot="$$dir/screenshot-$$k.png" "file://$$dir/.shot-$$k.html" >>"$$log" 2>&1 || { cat "$$log"; exit 1; }; \
		test -s "$$dir/screenshot-$$k.png" || { cat "$$log"; echo "report-screenshot: chromium wrote no $$dir/screenshot-$$k.png"; exit 1; }; \
	done; \
	echo "report-screenshot: $$dir/index.html: $$height px folded = $$shots screens of $(SHOT_WIDTH)x$(SHOT_HEIGHT) ($$(( (height + $(FIRST_HEIGHT) - 1) / $(FIRST_HEIGHT) )) of $(SHOT_WIDTH)x$(FIRST_HEIGHT))"; \
	echo "  first screen: $$dir/screenshot-first.png (small: screenshot-first-small.png); the page: $$dir/screenshot-1.png .. screenshot-$$shots.png"

# make bench: every component benchmark with every variant and peer row, in
# one go test invocation per group: the contention benchmarks (RunParallel:
# lock, metrics) with -cpu $(BENCHCPU), the others at the machine's
# GOMAXPROCS. BENCHTIME (per row and count) keeps the default run to a few
# minutes on 2 cores; BENCHCPU takes a longer list on a bigger machine
# (BENCHCPU=1,2,4,8,16). BENCH narrows the -bench regexp.
BENCHTIME  ?= 200ms
BENCHCOUNT ?= 10
BENCHCPU   ?= 1,2
BENCH      ?= .
BENCH_CONTENDED   := ./variants/lock ./variants/metrics ./variants/limiter
BENCH_UNCONTENDED := ./variants/parser ./variants/writer ./variants/executor ./internal/http1
# benchmark name and the key its columns are split by (http1's rows are impl=)
BENCH_TABLES := Parse:variant Append:variant Do:variant Record:variant Allow:variant Execute:variant ReadRequest:impl

bench: redis ## every component benchmark, every variant and peer, -count=10, into results/bench/ (BENCHTIME, BENCHCPU)
	@mkdir -p results/bench
	@f=results/bench/$$(date -u +%Y%m%dT%H%M%SZ).txt; \
	echo "make bench: -count $(BENCHCOUNT) -benchtime $(BENCHTIME), contention -cpu $(BENCHCPU) -> $$f"; \
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) -cpu $(BENCHCPU) $(BENCH_CONTENDED) > $$f; \
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) $(BENCH_UNCONTENDED) >> $$f; \
	for t in $(BENCH_TABLES); do \
		echo; echo "### Benchmark$${t%%:*} by /$${t#*:}"; \
		$(GO) tool benchstat -filter ".name:$${t%%:*}" -col /$${t#*:} $$f; \
	done | tee $${f%.txt}.benchstat.txt; \
	echo; echo "### parser=careless (a seed design) on the conformance corpus"; \
	$(GO) test -count=1 -run '^TestCarelessTable$$' -v ./variants/parser | sed -n 's/^        //p' | tee -a $${f%.txt}.benchstat.txt; \
	echo; echo "raw: $$f   summaries: $${f%.txt}.benchstat.txt"

# make peers (bin/lab peers, harness/peers): wrk against do-nothing net/http
# and fasthttp handlers, the reference server, optimized and optimized with
# writer=sync (limiter on at PEERS_QUOTA per client, PEERS_CLIENTS client
# ids), and the lab's generator against both do-nothing handlers, pinned
# (servers cpu0, load cpu1), keep-alive and connection per request;
# PEERS_ROUNDS rounds, each in a random order with the cost model's
# benchmark (server BenchmarkCost) as one of its arms. Prints CPU per
# request beside req/s, the ceiling (fasthttp's CPU per request + the work
# optimized adds), and every ratio paired by round with its 95% interval;
# results/peers/<date>.json and .txt. PEERS_PROFILE=1 ends with a CPU
# profile of optimized under wrk and its pprof -top.
PEERS_CONNS   ?= 50
PEERS_SECS    ?= 2
PEERS_ROUNDS  ?= 6
PEERS_CLIENTS ?= $(PEERS_CONNS)
PEERS_QUOTA   ?= 100000
PEERS_PROFILE ?=

peers: tools ## the server and generator beside wrk, fasthttp, net/http, reference; ceiling, ratios with 95% intervals, CPU per request (installs wrk)
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/lab peers -conns $(PEERS_CONNS) -secs $(PEERS_SECS)s -rounds $(PEERS_ROUNDS) -clients $(PEERS_CLIENTS) \
		-quota $(PEERS_QUOTA) $(if $(filter 1,$(PEERS_PROFILE)),-profile)

# make multihost (root only): the multi-host path on this machine. Three
# network namespaces (a server host, two generator hosts) joined by veth
# pairs and a bridge, on 198.51.100.0/24 (RFC 5737) that exists only inside
# them; both generator hosts run `lab experiment -target` with one run id,
# `lab merge` combines them, and TestMultihost checks the merge (counts the
# sums of the hosts', histograms their merges). Everything is removed
# afterwards, on failure too. docs/multihost.md: the same on real hosts.
multihost: ## root: 3 network namespaces (server + 2 generator hosts), lab experiment -target from both, lab merge, merge test
	@test "$$(id -u)" -eq 0 || { echo "make multihost: needs root (ip netns, unshare)"; exit 2; }
	@dir=results/multihost/$$(date -u +%Y%m%dT%H%M%SZ); \
	harness/multihost/multihost.sh $$dir && \
	MULTIHOST_DIR=$$(cd $$dir && pwd) $(GO) test -count=1 -run 'TestMultihost$$' -v ./harness/multihost

clean: ## remove bin/
	rm -rf $(BIN)
