# shellcheck shell=bash
# Functions for bench/run.sh: process control, target setup, one measured
# run, and the final report. Sourced, not run; uses run.sh's globals.

CLK_TCK=$(getconf CLK_TCK)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# free_port prints a loopback TCP port no socket uses, avoiding the ports
# given as arguments (chosen but not yet bound). It picks below the kernel's
# ephemeral range, where outgoing connections (wrk's, the proxies') cannot
# take the port between our check and the server's bind.
free_port() {
	local p lo
	lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[[ " $* " == *" $p "* ]] && continue
		[ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	die "no free port found"
}

# start_bg NAME CMD... starts CMD in the background with its output in
# $TMP/NAME.log, records its pid for cleanup and leaves it in LAST_PID.
start_bg() {
	local name=$1
	shift
	"$@" >"$TMP/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# fg_run CMD... runs CMD as the current foreground job, but in the
# background with wait, so that a signal reaches our traps at once instead of
# after CMD ends. Its pid is in CUR_PID meanwhile, for cleanup.
fg_run() {
	local rc=0
	"$@" &
	CUR_PID=$!
	wait "$CUR_PID" || rc=$?
	CUR_PID=""
	return "$rc"
}

# stop_pid stops one process we started (used when a target is skipped).
stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
}

# wait_http URL [PID] polls URL until anything answers HTTP (deadline 20 s),
# giving up early when PID has exited.
wait_http() {
	local end=$((SECONDS + 20)) code
	while [ $SECONDS -lt $end ]; do
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true)
		[ "$code" != "000" ] && [ -n "$code" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_tcp PORT PID polls until 127.0.0.1:PORT accepts (deadline 20 s).
wait_tcp() {
	local end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ]; do
		kill -0 "$2" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# is_mcp_unit UNIT: whether UNIT sends the MCP call (an mcp scenario's
# TARGET, not its TARGET@llm).
is_mcp_unit() { [ "$MCP" = 1 ] && [[ "$1" != *@llm ]]; }

# unit_body UNIT prints the request body UNIT sends: the scenario's BODY,
# or the json scenario's for a TARGET@llm unit.
unit_body() { if [[ "$1" == *@llm ]]; then echo "$LLM_BODY"; else echo "$BODY"; fi; }

# write_lua UNIT TOKEN writes the wrk script: the same POST (unit_body) for
# every target, with TOKEN as bearer (a same-length placeholder where
# unused); an MCP call also carries the headers of a client mid-session
# (Accept both answer types, the protocol version, a session id).
write_lua() {
	umask 077
	{
		echo 'wrk.method = "POST"'
		echo "wrk.body = '$(unit_body "$1")'"
		echo 'wrk.headers["Content-Type"] = "application/json"'
		echo "wrk.headers[\"Authorization\"] = \"Bearer $2\""
		if is_mcp_unit "$1"; then
			echo 'wrk.headers["Accept"] = "application/json, text/event-stream"'
			echo 'wrk.headers["MCP-Protocol-Version"] = "2025-06-18"'
			echo 'wrk.headers["Mcp-Session-Id"] = "bench-session-0001"'
		fi
	} >"$TMP/$1.lua"
}
PLACEHOLDER_TOKEN=mwt_$(printf '0%.0s' $(seq 61))

# probe_200 URL UNIT sends one request like wrk's (the headers of UNIT's
# script, its body) and wants 200.
probe_200() {
	local h=()
	while IFS= read -r line; do h+=(-H "$line"); done < <(sed -n 's/^wrk.headers\["\(.*\)"\] = "\(.*\)"$/\1: \2/p' "$TMP/$2.lua")
	[ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' -X POST "${h[@]}" --data "$(unit_body "$2")" "$1" || true)" = 200 ]
}

# add_llm_unit TARGET adds TARGET@llm to UNITS: the same processes sent the
# json scenario's chat completion, so an mcp run reports the plain proxy
# figure beside the MCP one, measured in the same rounds.
add_llm_unit() {
	local u=$1@llm
	URL[$u]=${LLMURL[$1]}
	PROC_PIDS[$u]=${PROC_PIDS[$1]}
	write_lua "$u" "${TOK[$1]}"
	if probe_200 "${URL[$u]}" "$u"; then
		UNITS+=("$u")
	else
		echo "SKIP $u: the chat completion does not answer 200"
	fi
}

setup_direct() {
	LLMURL[direct]="http://127.0.0.1:$UP_PORT/v1/chat/completions"
	URL[direct]=${LLMURL[direct]}
	[ "$MCP" = 1 ] && URL[direct]="http://127.0.0.1:$UP_PORT$MCP_UP_PATH"
	PROC_PIDS[direct]="" TOK[direct]=$PLACEHOLDER_TOKEN
	write_lua direct "$PLACEHOLDER_TOKEN"
	probe_200 "${URL[direct]}" direct || SKIP[direct]="mock upstream does not answer 200"
}

# setup_nginx writes a plain keep-alive reverse proxy config and starts nginx
# in the foreground (daemon off), so the master's pid is ours to clean up.
setup_nginx() {
	local d=$TMP/nginx port pid NGINX_SSE="" NGINX_MCP_SSE=""
	# Streams: pass each read on at once, as an operator proxying SSE does
	# (Tollgate flushes per read too); JSON keeps nginx's default buffering.
	# In mcp-sse only the MCP location streams (the @llm units get JSON).
	[ "$SCENARIO" = sse ] && NGINX_SSE=$'\n            proxy_buffering off;'
	[ "$SCENARIO" = mcp-sse ] && NGINX_MCP_SSE="
        location $MCP_UP_PATH {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering off;
        }"
	mkdir -p "$d"
	port=$(free_port "$UP_PORT")
	cat >"$d/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    upstream mock {
        server 127.0.0.1:$UP_PORT;
        keepalive 128;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://mock;
            proxy_http_version 1.1;
            proxy_set_header Connection "";$NGINX_SSE
        }$NGINX_MCP_SSE
    }
}
EOF
	start_bg nginx nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf"
	pid=$LAST_PID
	LLMURL[nginx]="http://127.0.0.1:$port/v1/chat/completions"
	URL[nginx]=${LLMURL[nginx]}
	[ "$MCP" = 1 ] && URL[nginx]="http://127.0.0.1:$port$MCP_UP_PATH"
	TOK[nginx]=$PLACEHOLDER_TOKEN
	write_lua nginx "$PLACEHOLDER_TOKEN"
	if ! wait_http "http://127.0.0.1:$port/" "$pid"; then
		SKIP[nginx]="nginx did not start: $(tail -n 3 "$TMP/nginx.log" "$d/error.log" 2>/dev/null | tr '\n' ' ')"
		return
	fi
	PROC_PIDS[nginx]="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
	probe_200 "${URL[nginx]}" nginx || SKIP[nginx]="nginx does not answer 200 through the proxy"
}

# build_tollgate builds cmd/tollgate once; on failure it leaves the reason
# in TG_BUILD_ERR and both Tollgate targets are skipped.
build_tollgate() {
	[ -n "${TG_BUILD_DONE:-}" ] && return 0
	TG_BUILD_DONE=1
	if [ -n "${TOLLGATE_BIN:-}" ]; then
		log "using TOLLGATE_BIN=$TOLLGATE_BIN"
		cp "$TOLLGATE_BIN" "$TMP/tollgate" || { TG_BUILD_ERR="TOLLGATE_BIN=$TOLLGATE_BIN cannot be copied"; return 0; }
	else
		log "building cmd/tollgate"
	fi
	if [ -z "${TOLLGATE_BIN:-}" ] && ! fg_run go -C "$ROOT" build -o "$TMP/tollgate" ./cmd/tollgate >"$TMP/tollgate-build.log" 2>&1; then
		TG_BUILD_ERR="cmd/tollgate does not build yet ($(grep -m1 -v '^#' "$TMP/tollgate-build.log" | cut -c1-160))"
		return 0
	fi
	OP_TOKEN=$("$TMP/setup" operator-token)
}

# PRICING_YAML is the price table of the -money targets: bench-model at
# 1 credit per 1M input tokens and 2 per 1M output tokens, so a JSON answer
# (9 + 7 tokens) costs 23 µc and a streamed one (9 + 200) 409 µc; admission
# holds an estimate from the body size and default_output_tokens. Each MCP
# tools/call costs 100 µc on either MCP upstream (held at admission too).
# BENCH_CREDITS (credits) and BENCH_MEMBER_CAP (µc) are far above what any
# run spends, so nothing is refused and every target does the same work.
PRICING_YAML='pricing:
  unknown_model: refuse
  default_output_tokens: 256
  models:
    bench-model: {input: 1, output: 2}
  tools:
    mcp: {default: 0.0001}
    mcpsse: {default: 0.0001}'
BENCH_CREDITS=1000000
BENCH_MEMBER_CAP=1000000000000

start_redis() {
	[ -n "${REDIS_PID:-}" ] && return 0
	command -v redis-server >/dev/null || { REDIS_ERR="redis-server not found (apt-get install -y redis-server)"; return 0; }
	REDIS_PORT=$(free_port "$UP_PORT")
	mkdir -p "$TMP/redis"
	start_bg redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
		--dir "$TMP/redis" --daemonize no --logfile ''
	REDIS_PID=$LAST_PID
	wait_tcp "$REDIS_PORT" "$REDIS_PID" || REDIS_ERR="redis-server did not start: $(tail -n 2 "$TMP/redis.log" | tr '\n' ' ')"
}

# setup_tollgate TARGET starts `tollgate serve` on a generated config, then
# provisions a workspace, the mock upstream and a member through the admin API.
setup_tollgate() {
	local t=$1 port aport cfg pid tok bin=$TMP/tollgate
	build_tollgate
	[ -n "${TG_BUILD_ERR:-}" ] && { SKIP[$t]=$TG_BUILD_ERR; return; }
	if [[ "$t" == *-base ]]; then
		[ -n "${BASE_BIN:-}" ] || { SKIP[$t]="BASE_BIN is not set (a tollgate binary to compare with)"; return; }
		bin=$TMP/tollgate-base
		[ -x "$bin" ] || cp "$BASE_BIN" "$bin" || { SKIP[$t]="BASE_BIN=$BASE_BIN cannot be copied"; return; }
	fi
	if [[ "$t" == tollgate-redis* ]]; then
		start_redis
		[ -n "${REDIS_ERR:-}" ] && { SKIP[$t]=$REDIS_ERR; return; }
	fi
	port=$(free_port "$UP_PORT" "${REDIS_PORT:-}")
	aport=$(free_port "$UP_PORT" "${REDIS_PORT:-}" "$port")
	cfg=$TMP/$t.yaml
	(
		umask 077
		printf 'listen: 127.0.0.1:%s\nadmin_listen: 127.0.0.1:%s\ndata_dir: %s\n' "$port" "$aport" "$TMP/$t-data"
		[[ "$t" == tollgate-redis* ]] && printf 'redis_url: redis://127.0.0.1:%s/0\n' "$REDIS_PORT"
		printf 'operator_token: %s\nlog:\n  level: warn\n' "$OP_TOKEN"
		[[ "$t" == *-money ]] && printf '%s\n' "$PRICING_YAML"
		true
	) >"$cfg"
	start_bg "$t" "$bin" serve --config "$cfg"
	pid=$LAST_PID
	if ! wait_http "http://127.0.0.1:$aport/readyz" "$pid"; then
		SKIP[$t]="tollgate serve did not come up: $(tail -n 3 "$TMP/$t.log" | tr '\n' ' ' | cut -c1-300)"
		stop_pid "$pid"
		return
	fi
	local money=()
	[[ "$t" == *-money ]] && money=(-credits "$BENCH_CREDITS" -member-cap "$BENCH_MEMBER_CAP")
	[ "$MCP" = 1 ] && money+=(-mcp)
	if ! tok=$(TOLLGATE_BENCH_OPERATOR=$OP_TOKEN "$TMP/setup" provision -admin "http://127.0.0.1:$aport" \
		-gateway "http://127.0.0.1:$port" -upstream "http://127.0.0.1:$UP_PORT" "${money[@]}" 2>"$TMP/$t-setup.log"); then
		SKIP[$t]="provisioning failed: $(tr '\n' ' ' <"$TMP/$t-setup.log" | cut -c1-400)"
		stop_pid "$pid"
		return
	fi
	write_lua "$t" "$tok"
	LLMURL[$t]="http://127.0.0.1:$port/mock/v1/chat/completions"
	URL[$t]=${LLMURL[$t]}
	[ "$MCP" = 1 ] && URL[$t]="http://127.0.0.1:$port/$MCP_TG_NAME"
	PROC_PIDS[$t]=$pid TOK[$t]=$tok
}

# cpu_ticks PID... prints the summed utime+stime, in clock ticks, of the
# given processes (all their threads), from /proc/PID/stat.
cpu_ticks() {
	[ $# -eq 0 ] && { echo 0; return; }
	local f=()
	for p in "$@"; do f+=("/proc/$p/stat"); done
	awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }' "${f[@]}" 2>/dev/null || echo 0
}

# measure ROUND TARGET warms the target up, then runs wrk once and appends
# one line to $RESULTS: round, target, req/s, requests, proxy ticks, redis
# ticks, upstream ticks, p50 µs, p99 µs, non-2xx responses, socket errors.
measure() {
	local r=$1 t=$2 out=$TMP/wrk-$1-$2.txt redis_pids="" p0 p1 q0 q1 u0 u1
	[[ "$t" == tollgate-redis* ]] && redis_pids=$REDIS_PID
	local wrkargs=(-t"$THREADS" -c"$CONNS" -s "$TMP/$t.lua")
	fg_run timeout $((WARM_S + 15)) wrk "${wrkargs[@]}" -d"${WARM_S}s" "${URL[$t]}" >/dev/null 2>&1 || true
	# shellcheck disable=SC2086 # pid lists are space-separated on purpose
	p0=$(cpu_ticks ${PROC_PIDS[$t]}); q0=$(cpu_ticks $redis_pids); u0=$(cpu_ticks "$UP_PID")
	if ! fg_run timeout $((DUR_S + 20)) wrk "${wrkargs[@]}" -d"${DUR_S}s" --latency "${URL[$t]}" >"$out" 2>&1; then
		log "  $t: wrk failed: $(tail -n 2 "$out" | tr '\n' ' ')"
		return 0
	fi
	# shellcheck disable=SC2086
	p1=$(cpu_ticks ${PROC_PIDS[$t]}); q1=$(cpu_ticks $redis_pids); u1=$(cpu_ticks "$UP_PID")
	awk -v r="$r" -v t="$t" -v dp=$((p1 - p0)) -v dq=$((q1 - q0)) -v du=$((u1 - u0)) -v redis="$redis_pids" '
		function us(s) { if (s ~ /us$/) return s + 0; if (s ~ /ms$/) return s * 1000;
			if (s ~ /m$/) return s * 60e6; return s * 1e6 }
		/requests in/ { n = $1 }
		/^Requests\/sec:/ { rps = $2 }
		/^ +50% / { p50 = us($2) }
		/^ +99% / { p99 = us($2) }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
		END { if (redis == "") dq = "-"
			printf "%s\t%s\t%.0f\t%d\t%s\t%s\t%s\t%.0f\t%.0f\t%d\t%d\n", r, t, rps, n, dp, dq, du, p50, p99, bad, errs }
	' "$out" >>"$RESULTS"
	tail -n 1 "$RESULTS" | awk -F'\t' -v hz="$CLK_TCK" '{
		cpu = ($2 ~ /^direct(@llm)?$/ || $4 == 0) ? "-" : sprintf("%.1f", $5 * 1e6 / hz / $4)
		printf "  %-28s %9s req/s  proxy CPU %6s us/req  p50 %6s us  p99 %7s us%s\n", $2, $3, cpu, $8, $9,
			($10 + $11 > 0 ? sprintf("  WARNING: %d non-2xx, %d socket errors", $10, $11) : "") }' >&2
}
