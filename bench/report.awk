# report.awk turns bench/run.sh's results.tsv into per-round lines, medians
# over rounds and a markdown table. Portable awk (mawk and gawk).
# Variables: hz (clock ticks per second), order (measured units,
# space-separated), rounds, mcp (1 in the mcp scenarios). A unit is a target,
# or TARGET@llm: the same processes sent the json scenario's chat completion
# in an mcp run. A unit is compared with direct and nginx under the same load
# (nginx@llm for TARGET@llm). Input columns: round, target, req/s, requests, proxy ticks, redis
# ticks ("-" when not measured), upstream ticks, p50 µs, p99 µs, non-2xx,
# socket errors.

function median(a, n,    i, j, v, b) {
	if (n == 0) return ""
	for (i = 1; i <= n; i++) b[i] = a[i]
	for (i = 2; i <= n; i++) {
		v = b[i]
		for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]
		b[j + 1] = v
	}
	return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
}

# push appends v to series name of target t.
function push(name, t, v) { cnt[name, t]++; val[name, t, cnt[name, t]] = v }

function med(name, t,    i, a) {
	for (i = 1; i <= cnt[name, t]; i++) a[i] = val[name, t, i]
	return median(a, cnt[name, t] + 0)
}

# The plain table uses "-" and "x" (mawk pads by bytes, not characters); the
# markdown table uses "—", "×" and "µs". md selects which.
function fmt(v, f) { return v == "" ? (md ? "—" : "-") : sprintf(f, v) }
function signed(v) { return v == "" ? (md ? "—" : "-") : sprintf(md ? "%+.0f µs" : "%+.0f", v) }
function ratio(a, b) {
	if (a == "" || b == "" || b == 0) return md ? "—" : "-"
	return sprintf(md ? "%.2f×" : "%.2fx", a / b)
}

# money prints the median over rounds of one target's gateway CPU per
# request divided by another's in the same round: X-money against X (what
# the price table, credits and cap cost: a hold at admission and a priced
# settlement, over settling at cost 0), and X and X-money against X-base
# (an older build given as BASE_BIN, such as one without metering). Only
# rounds where both runs were clean (no non-2xx, no socket errors) count.
# mdv selects the markdown form.
function money(mdv,    i, j, t, x, sfx, pairs, np, p, a, b) {
	np = 0
	for (i = 1; i <= nt; i++) {
		t = ts[i]
		sfx = suffix(t); x = substr(t, 1, length(t) - length(sfx)); sub(/-(money|base)$/, "", x)
		if (t == x "-money" sfx) pairs[++np] = t SUBSEP x sfx
		if (t == x "-money" sfx || t == x sfx) pairs[++np] = t SUBSEP x "-base" sfx
		# In an mcp run: each proxy's MCP call beside its own chat completion.
		if (mcp && sfx == "" && t != "direct" && index(" " order " ", " " t "@llm ")) pairs[++np] = t SUBSEP t "@llm"
	}
	for (p = 1; p <= np; p++) {
		split(pairs[p], a, SUBSEP)
		ratioline(mdv, a[1], a[2])
	}
}

# suffix returns "@llm" for a TARGET@llm unit, "" for any other.
function suffix(t) { return t ~ /@llm$/ ? "@llm" : "" }

function ratioline(mdv, t, base,    r, k, a) {
	k = 0
	for (r = 1; r <= rounds; r++)
		if ((r, t) in cpur && (r, base) in cpur && cpur[r, base] > 0) a[++k] = cpur[r, t] / cpur[r, base]
	if (k == 0) return
	if (!hdr[mdv]++) print mdv ? "\n| target | compared with | gateway CPU/req ratio (median of same-round ratios) | clean rounds |\n|---|---|---:|---:|" : "\n## Gateway CPU per request, ratio within each round (clean rounds only)"
	if (mdv) printf "| %s | %s | %.2f× | %d |\n", t, base, median(a, k), k
	else printf "%-28s %.2fx vs %s (median of %d clean round(s))\n", t, median(a, k), base, k
}

{
	r = $1; t = $2; n = $4
	line[++nl] = $0
	push("rps", t, $3)
	push("p50", t, $8); push("p99", t, $9)
	p50[r, t] = $8; p99[r, t] = $9; seen[r, t] = 1
	dt = t ~ /^direct(@llm)?$/
	if (n > 0 && !dt) push("cpu", t, $5 * 1e6 / hz / n)
	if (n > 0 && !dt && $10 + $11 == 0) cpur[r, t] = $5 * 1e6 / hz / n # clean runs only, for ratios
	if (n > 0 && $6 != "-") push("rcpu", t, $6 * 1e6 / hz / n)
	if (n > 0) push("ucpu", t, $7 * 1e6 / hz / n)
	if ($10 + $11 > 0) bad[t] += $10 + $11
}

END {
	nt = split(order, ts, " ")
	for (i = 1; i <= nl; i++) {
		split(line[i], f, "\t")
		dr = "direct" suffix(f[2])
		if ((f[1], dr) in seen && f[2] != dr) {
			push("a50", f[2], f[8] - p50[f[1], dr])
			push("a99", f[2], f[9] - p99[f[1], dr])
		}
	}
	print "## Per round (CPU = µs of CPU per completed request; latencies in µs)"
	printf "%-5s %-28s %9s %9s %9s %9s %9s %8s %8s %s\n", "round", "target", "req/s", "requests",
		"proxy_us", "redis_us", "mock_us", "p50_us", "p99_us", "non2xx/err"
	for (i = 1; i <= nl; i++) {
		split(line[i], f, "\t")
		pc = (f[2] ~ /^direct(@llm)?$/ || f[4] == 0) ? "-" : sprintf("%.1f", f[5] * 1e6 / hz / f[4])
		rc = (f[6] == "-" || f[4] == 0) ? "-" : sprintf("%.1f", f[6] * 1e6 / hz / f[4])
		uc = f[4] == 0 ? "-" : sprintf("%.1f", f[7] * 1e6 / hz / f[4])
		printf "%-5s %-28s %9s %9s %9s %9s %9s %8s %8s %s\n", f[1], f[2], f[3], f[4], pc, rc, uc,
			f[8], f[9], f[10] "/" f[11]
	}
	print ""
	printf "## Medians over %d round(s)\n", rounds
	md = 0
	printf "%-28s %9s %8s %10s %8s %9s %9s %10s %9s\n", "target", "req/s", "xdirect", "gw_us/req",
		"xnginx", "+p50_us", "+p99_us", "redis_us/r", "mock_us/r"
	for (i = 1; i <= nt; i++) {
		t = ts[i]; c = med("cpu", t); d = med("rps", "direct" suffix(t)); ng = med("cpu", "nginx" suffix(t))
		printf "%-28s %9s %8s %10s %8s %9s %9s %10s %9s\n", t, fmt(med("rps", t), "%.0f"),
			ratio(med("rps", t), d), fmt(c, "%.1f"), ratio(c, ng), signed(med("a50", t)),
			signed(med("a99", t)), fmt(med("rcpu", t), "%.1f"), fmt(med("ucpu", t), "%.1f")
	}
	money(0)
	print ""
	md = 1
	print "## Markdown (for BENCHMARKS.md)"
	print ""
	print "| target | req/s | vs direct | gateway CPU µs/req | CPU/req vs nginx | added p50 | added p99 | Redis CPU µs/req |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nt; i++) {
		t = ts[i]; c = med("cpu", t); d = med("rps", "direct" suffix(t)); ng = med("cpu", "nginx" suffix(t))
		dt = t ~ /^direct(@llm)?$/
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", t, fmt(med("rps", t), "%.0f"),
			ratio(med("rps", t), d), fmt(c, "%.1f"), ratio(c, ng),
			dt ? "—" : signed(med("a50", t)), dt ? "—" : signed(med("a99", t)),
			fmt(med("rcpu", t), "%.1f")
	}
	money(1)
	print ""
	printf "Medians of %d interleaved round(s). Gateway CPU = utime+stime of the proxy process(es) / completed requests.\n", rounds
	print "Added latency = target minus direct in the same round. One shared 2-core machine runs wrk, the mock and the proxy: compare ratios, not absolutes."
	for (i = 1; i <= nt; i++) if (bad[ts[i]] > 0)
		printf "WARNING: %s had %d non-2xx responses or socket errors; its figures are not comparable.\n", ts[i], bad[ts[i]]
}
