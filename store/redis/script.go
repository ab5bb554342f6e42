package redisstore

import (
	"context"
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"strconv"
	"strings"

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

//go:embed admit.lua
var admitSrc string

// admitScript is admit.lua with the window geometry of package limiter in
// microseconds, so the script and limiter.Counter cannot drift apart.
var admitScript = newScript(strings.NewReplacer(
	"__WIDTH__", strconv.FormatInt(limiter.BucketWidth.Microseconds(), 10),
	"__WINDOW__", strconv.FormatInt(limiter.Window.Microseconds(), 10),
	"__BUCKETS__", strconv.Itoa(limiter.Buckets),
	"__TTL__", strconv.FormatInt(rateKeyTTL.Milliseconds(), 10),
).Replace(admitSrc))

// rateKeyTTL is the PEXPIRE of every rate key: the longest a bucket stays in
// view (Window plus one BucketWidth) and a margin of one more BucketWidth.
const rateKeyTTL = limiter.Window + 2*limiter.BucketWidth
