package redisstore

import (
	"context"
	"errors"
	"fmt"
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
	vals, err := s.pipe.eval(tk, wk, r.Upstream, now)
	if err != nil {
		return fmt.Errorf("redisstore: admit: %w", err)
	}
	return parseDecision(vals, d)
}

// parseDecision fills d from the script's reply; see admit.lua for its shape.
func parseDecision(v []any, d *limiter.Decision) error {
	if len(v) == 1 {
		o, ok := v[0].(int64)
		if !ok || limiter.Outcome(o) != limiter.Unknown {
			return errReply
		}
		d.Outcome = limiter.Unknown
		return nil
	}
	if len(v) != 10 {
		return errReply
	}
	var n [10]int64
	for _, i := range [...]int{0, 1, 4, 5, 6, 7, 8, 9} {
		x, ok := v[i].(int64)
		if !ok {
			return errReply
		}
		n[i] = x
	}
	id, ok1 := v[2].(string)
	member, ok2 := v[3].(string)
	if !ok1 || !ok2 {
		return errReply
	}
	d.Outcome, d.TokenKind, d.TokenID, d.MemberID = limiter.Outcome(n[0]), token.Kind(n[1]), id, member
	d.UpstreamRev, d.Scope, d.Limit, d.Remaining = n[4], limiter.Scope(n[5]), n[6], n[7]
	d.Reset, d.RetryAfter = time.Duration(n[8])*time.Microsecond, time.Duration(n[9])*time.Microsecond
	return nil
}
