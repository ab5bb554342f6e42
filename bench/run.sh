#!/usr/bin/env bash
# Side-by-side benchmark: direct to a mock upstream, nginx as a reverse proxy,
# Tollgate on the embedded store, Tollgate on Redis. Interleaved rounds, order
# rotated each round, medians at the end. All traffic stays on 127.0.0.1.
#
#   bench/run.sh            # 3 rounds x 10 s per target
#   bench/run.sh --quick    # 1 round x 3 s (smoke test); same as QUICK=1
#   bench/run.sh --stream   # SSE answers of ~200 events; same as SCENARIO=sse
#   SCENARIO=mcp bench/run.sh      # MCP tools/call, small JSON answer (+ the LLM JSON figure)
#   SCENARIO=mcp-sse bench/run.sh  # MCP tools/call answered as one SSE event (+ the LLM JSON figure)
#
# Knobs (environment): ROUNDS, DURATION (e.g. 10s), WARMUP (e.g. 2s), THREADS,
# CONNS, TARGETS ("direct nginx tollgate-embedded tollgate-redis"; also
# tollgate-embedded-money and tollgate-redis-money: a price table, credits and
# a member cap; tollgate-embedded-base and tollgate-redis-base: BASE_BIN, an
# older build to compare with), SCENARIO (json, sse, mcp or mcp-sse), SSE_EVENTS
# (200), MCP_LLM (1: in the mcp scenarios also measure each target's plain
# chat completion, as TARGET@llm, in the same rounds),
# NGINX_WORKERS (auto), MAX_SECONDS (overall bound), KEEP_TMP=1 (keep logs),
# TOLLGATE_BIN (benchmark this binary instead of building ./cmd/tollgate).
# See bench/README.md for what is measured and how to read it.
set -euo pipefail

CMDLINE="$(
	for v in QUICK SCENARIO SSE_EVENTS MCP_LLM ROUNDS DURATION WARMUP THREADS CONNS TARGETS NGINX_WORKERS MAX_SECONDS KEEP_TMP TOLLGATE_BIN BASE_BIN; do
		[ -n "${!v+x}" ] && printf '%s=%q ' "$v" "${!v}"
	done
	printf '%q' "$0"
	[ $# -gt 0 ] && printf ' %q' "$@"
	true
)"

for a in "$@"; do
	case "$a" in
	--quick) QUICK=1 ;;
	--stream) SCENARIO=sse ;;
	-h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $a (want --quick, --stream or --help)" >&2; exit 2 ;;
	esac
done
if [ "${QUICK:-0}" = 1 ]; then
	: "${ROUNDS:=1}" "${DURATION:=3s}" "${WARMUP:=1s}"
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
TARGETS=${TARGETS:-"direct nginx tollgate-embedded tollgate-redis"}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
SCENARIO=${SCENARIO:-json}
SSE_EVENTS=${SSE_EVENTS:-200}
MCP_LLM=${MCP_LLM:-1}

secs() { # "10s" or "10" -> 10; anything else is an error naming the knob.
	local v=${2%s}
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || { echo "run.sh: $1=$2: want whole seconds, e.g. 10s" >&2; exit 2; }
	echo "$v"
}
DUR_S=$(secs DURATION "$DURATION")
WARM_S=$(secs WARMUP "$WARMUP")
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: ROUNDS=$ROUNDS: want a positive integer" >&2; exit 2; }
for t in $TARGETS; do
	case "$t" in direct | nginx | tollgate-embedded | tollgate-redis | tollgate-embedded-money | tollgate-redis-money | \
		tollgate-embedded-base | tollgate-redis-base) ;;
	*) echo "run.sh: TARGETS: unknown target $t" >&2; exit 2 ;; esac
done
# LLM_BODY is the json scenario's request, also sent to the TARGET@llm units
# of the mcp scenarios; MCP_UP_PATH and MCP_TG_NAME are where the mock's MCP
# server answers and the name Tollgate routes it by (bench/setup -mcp).
LLM_BODY='{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
MCP=0
case "$SCENARIO" in
json) BODY=$LLM_BODY
	LOAD_DESC="POST chat completion, ~70 B body; ~300 B JSON response" ;;
sse) BODY='{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	LOAD_DESC="POST streamed chat completion, ~85 B body; SSE response of $SSE_EVENTS content events + usage + [DONE]" ;;
mcp | mcp-sse) MCP=1
	BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lookup","arguments":{"key":"k1"}}}'
	if [ "$SCENARIO" = mcp ]; then
		MCP_UP_PATH=/mcp MCP_TG_NAME=mcp LOAD_DESC="POST MCP tools/call, ~100 B body; ~130 B JSON-RPC result as application/json"
	else
		MCP_UP_PATH=/mcp-sse MCP_TG_NAME=mcpsse LOAD_DESC="POST MCP tools/call, ~100 B body; the ~130 B result as one SSE message event"
	fi
	[ "$MCP_LLM" = 1 ] && LOAD_DESC="$LOAD_DESC; TARGET@llm units: the json scenario's chat completion on the same processes" ;;
*) echo "run.sh: SCENARIO=$SCENARIO: want json, sse, mcp or mcp-sse" >&2; exit 2 ;;
esac
[[ "$MCP_LLM" =~ ^[01]$ ]] || { echo "run.sh: MCP_LLM=$MCP_LLM: want 0 or 1" >&2; exit 2; }
[[ "$SSE_EVENTS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: SSE_EVENTS=$SSE_EVENTS: want a positive integer" >&2; exit 2; }
NT=$(wc -w <<<"$TARGETS")
NU=$NT # measured units per round: TARGET@llm doubles them in the mcp scenarios
[ "$MCP" = 1 ] && [ "$MCP_LLM" = 1 ] && NU=$((2 * NT))
MAX_SECONDS=${MAX_SECONDS:-$((180 + ROUNDS * NU * (DUR_S + WARM_S + 10)))}

for tool in wrk nginx curl go; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (apt-get install -y nginx wrk redis-server curl)" >&2; exit 1; }
done
# A TOLLGATE_* variable in our environment would override the generated config.
BENCH_TOLLGATE_BIN=${TOLLGATE_BIN:-}
for v in $(compgen -e | grep '^TOLLGATE_' || true); do unset "$v"; done
TOLLGATE_BIN=$BENCH_TOLLGATE_BIN

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
PIDS=()    # long-lived processes we started
CUR_PID="" # the foreground job (wrk, go build) running now, if any
exec 3>&1 4>&2 # the real stdout and stderr, for traps that fire inside a redirected fg_run
cleanup() {
	local rc=$?
	set +e # stop everything even when one kill fails
	trap - EXIT INT TERM USR1
	exec 1>&3 2>&4
	[ -n "$CUR_PID" ] && kill -TERM "$CUR_PID" 2>/dev/null
	[ -n "${WATCHDOG:-}" ] && kill -TERM "$WATCHDOG" 2>/dev/null
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&4; exit 130' INT
trap 'echo "run.sh: terminated" >&4; exit 143' TERM
trap 'echo "run.sh: MAX_SECONDS=$MAX_SECONDS reached, stopping" >&4; exit 124' USR1

# Bound the whole run: a watchdog signals us after MAX_SECONDS; it takes its
# sleep down with it when cleanup stops it early.
(
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "$MAX_SECONDS" &
	s=$!
	wait "$s" && kill -USR1 $$
) &
WATCHDOG=$!

source "$ROOT/bench/lib.sh"

echo "# Tollgate side-by-side benchmark"
echo "command: $CMDLINE"
COMMIT=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo ?)
if [ -n "$TOLLGATE_BIN" ]; then
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  tollgate: TOLLGATE_BIN=$TOLLGATE_BIN (prebuilt; the tree is at $COMMIT)"
else
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $COMMIT (the tree as built, with any uncommitted changes)"
fi
[ -n "${BASE_BIN:-}" ] && echo "base: BASE_BIN=$BASE_BIN (the -base targets)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -r)"
echo "tools: $(nginx -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | awk 'NR==1{print $2}'), $(go version | awk '{print $3}')$(command -v redis-server >/dev/null && redis-server --version | awk '{print ", redis " $3}')"
echo "load: scenario $SCENARIO: wrk -t$THREADS -c$CONNS -d$DURATION --latency -s post.lua ($LOAD_DESC)"
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg) (other work on this machine skews every figure)"
echo "plan: $ROUNDS round(s) x [$TARGETS]$([ "$NU" != "$NT" ] && echo " (each also as TARGET@llm)"), order rotated each round, ${WARMUP} warm-up before each measured run; nginx worker_processes $NGINX_WORKERS; bound ${MAX_SECONDS}s"
echo

log "building helpers"
fg_run go -C "$ROOT" build -o "$TMP/upstream" ./bench/upstream
fg_run go -C "$ROOT" build -o "$TMP/setup" ./bench/setup

UP_PORT=$(free_port)
start_bg upstream "$TMP/upstream" -addr "127.0.0.1:$UP_PORT" -events "$SSE_EVENTS"
UP_PID=$LAST_PID
wait_http "http://127.0.0.1:$UP_PORT/" || die "mock upstream did not start"

declare -A URL LLMURL TOK PROC_PIDS SKIP
ACTIVE=()
for t in $TARGETS; do
	case "$t" in
	direct) setup_direct ;;
	nginx) setup_nginx ;;
	tollgate-*) setup_tollgate "$t" ;;
	esac
	if [ -n "${SKIP[$t]:-}" ]; then
		echo "SKIP $t: ${SKIP[$t]}"
	else
		ACTIVE+=("$t")
	fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no target could be started"
UNITS=()
for t in "${ACTIVE[@]}"; do
	UNITS+=("$t")
	[ "$MCP" = 1 ] && [ "$MCP_LLM" = 1 ] && add_llm_unit "$t"
done
echo

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
n=${#UNITS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	order=()
	for ((i = 0; i < n; i++)); do order+=("${UNITS[$(((i + r - 1) % n))]}"); done
	log "round $r/$ROUNDS: ${order[*]}"
	for t in "${order[@]}"; do measure "$r" "$t"; done
done
echo
awk -F'\t' -v hz="$CLK_TCK" -v order="${UNITS[*]}" -v rounds="$ROUNDS" -v mcp="$MCP" -f "$ROOT/bench/report.awk" "$RESULTS"
echo "Run: \`$CMDLINE\` at commit $COMMIT${TOLLGATE_BIN:+ (Tollgate from TOLLGATE_BIN)}, $(date -u +%Y-%m-%d), $(nproc) cores."
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
for t in $TARGETS; do
	[ -n "${SKIP[$t]:-}" ] && echo "Not measured: $t: ${SKIP[$t]}"
done
true
