package redisstore

import (
	"context"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/limiter"
)

// script is a Lua script run with EVALSHA, falling back to EVAL when the
// server does not hold it (NOSCRIPT after a restart or SCRIPT FLUSH).
type script struct {
	src, sha string
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

// run evaluates the script: one EVALSHA, and one EVAL only on NOSCRIPT.
func (sc *script) run(ctx context.Context, c Client, keys []string, args ...any) *redis.Cmd {
	cmd := c.EvalSha(ctx, sc.sha, keys, args...)
	if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		return c.Eval(ctx, sc.src, keys, args...)
	}
	return cmd
}

//go:embed money.lua
var moneySrc string

//go:embed admit.lua
var admitSrc string

//go:embed settle.lua
var settleSrc string

// Lifetimes of the money keys (see doc.go). They are refreshed on every
// write.
const (
	// capKeyTTL keeps a period's spend counters 70 days after their last
	// write, past the end of any period they count.
	capKeyTTL = 70 * 24 * time.Hour
	// usageKeyTTL keeps an hour's usage roll-up for about 13 months.
	usageKeyTTL = 400 * 24 * time.Hour
	// markerTTL keeps a settled request's id, so a retried Settle within a
	// day changes nothing.
	markerTTL = 24 * time.Hour
)

// moneyScript returns src after money.lua, with the window geometry of
// package limiter and the key lifetimes in the units the scripts use
// (µs for the window, ms for TTLs), so the scripts and limiter.Counter
// cannot drift apart.
func moneyScript(src string) *script {
	return newScript(strings.NewReplacer(
		"__WIDTH__", strconv.FormatInt(limiter.BucketWidth.Microseconds(), 10),
		"__WINDOW__", strconv.FormatInt(limiter.Window.Microseconds(), 10),
		"__BUCKETS__", strconv.Itoa(limiter.Buckets),
		"__TTL__", strconv.FormatInt(rateKeyTTL.Milliseconds(), 10),
		"__CAPTTL__", strconv.FormatInt(capKeyTTL.Milliseconds(), 10),
		"__USETTL__", strconv.FormatInt(usageKeyTTL.Milliseconds(), 10),
		"__MARKTTL__", strconv.FormatInt(markerTTL.Milliseconds(), 10),
	).Replace(moneySrc + "\n" + src))
}

// admitScript is admit.lua; settleScript is settle.lua.
var (
	admitScript  = moneyScript(admitSrc)
	settleScript = moneyScript(settleSrc)
)

// rateKeyTTL is the PEXPIRE of every rate key: the longest a bucket stays in
// view (Window plus one BucketWidth) and a margin of one more BucketWidth.
const rateKeyTTL = limiter.Window + 2*limiter.BucketWidth
