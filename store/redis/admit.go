package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/token"
)

// errReply reports a script reply of the wrong shape: a bug, not a verdict.
var errReply = errors.New("redisstore: malformed admission reply")

// Admit decides on r in one EVALSHA (see doc.go), sent in a pipeline shared
// with concurrent Admits (pipeline.go), and fills d.
func (s *Store) Admit(ctx context.Context, r *limiter.Request, d *limiter.Decision) error {
	d.Clear()
	if !token.ValidID(r.Workspace) {
		d.Outcome = limiter.Unknown // no key can match, and no tag may be built from it
		return nil
	}
	tk, wk := admitKeys(r.Workspace, r.TokenHash)
	var now any = ""
	if s.now != nil {
		now = s.now().UnixMicro()
	}
	pub := ""
	if r.Public {
		pub = "1"
	}
	vals, err := s.pipe.eval(tk, wk, r.Upstream, now, pub, r.Model)
	if err != nil {
		return fmt.Errorf("redisstore: admit: %w", err)
	}
	return parseDecision(vals, d)
}

// parseDecision fills d from the script's reply; see admit.lua for its shape.
// TokenID and MemberID are substrings of v: one allocation for the reply.
func parseDecision(v string, d *limiter.Decision) error {
	if v == "1" {
		d.Outcome = limiter.Unknown
		return nil
	}
	var f [11]string
	n := 0
	for n < len(f)-1 {
		i := strings.IndexByte(v, ' ')
		if i < 0 {
			return errReply
		}
		f[n], v = v[:i], v[i+1:]
		n++
	}
	f[n] = v
	var x [11]int64
	for _, i := range [...]int{0, 1, 4, 5, 6, 7, 8, 9, 10} {
		var err error
		if x[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return errReply
		}
	}
	if f[2] == "" {
		return errReply
	}
	d.Outcome, d.TokenKind, d.TokenID, d.MemberID = limiter.Outcome(x[0]), token.Kind(x[1]), f[2], f[3]
	d.UpstreamRev, d.Scope, d.Limit, d.Remaining = x[4], limiter.Scope(x[5]), x[6], x[7]
	d.Reset, d.RetryAfter = time.Duration(x[8])*time.Microsecond, time.Duration(x[9])*time.Microsecond
	d.Public = x[10] == 1
	return nil
}
