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
// with concurrent Admits (pipeline.go), and fills d. A negative r.Hold is
// an error: it would give credits instead of holding them.
func (s *Store) Admit(ctx context.Context, r *limiter.Request, d *limiter.Decision) error {
	d.Clear()
	if !token.ValidID(r.Workspace) {
		d.Outcome = limiter.Unknown // no key can match, and no tag may be built from it
		return nil
	}
	h := r.Hold
	if h.Credits < 0 || h.Input < 0 || h.Output < 0 {
		return fmt.Errorf("redisstore: admit: negative hold %+v: want credits and tokens >= 0", h)
	}
	tk, wk := admitKeys(r.Workspace, r.TokenHash)
	a := admitArgs{upstream: r.Upstream, model: r.Model, rid: r.RequestID,
		credits: h.Credits, input: h.Input, output: h.Output, holdTTL: s.holdTTL, retention: s.retention}
	if s.now != nil {
		a.now = strconv.FormatInt(s.now().UnixMicro(), 10)
	}
	if r.Public {
		a.public = "1"
	}
	v, err := s.pipe.admit(tk, wk, &a)
	if err != nil {
		return fmt.Errorf("redisstore: admit: %w", err)
	}
	held, err := parseDecision(v, d)
	if held {
		d.Held = h
	}
	return err
}

// admitFields is the number of fields of admit.lua's reply.
const admitFields = 15

// parseDecision fills d from the script's reply (see admit.lua for its
// shape) and reports whether the request's hold was made. TokenID, MemberID
// and Role are substrings of v: one allocation for the reply. Role is the
// last field, the rest of v, so it may hold any character.
func parseDecision(v string, d *limiter.Decision) (held bool, err error) {
	if v == "1" {
		d.Outcome = limiter.Unknown
		return false, nil
	}
	var f [admitFields]string
	n := 0
	for n < len(f)-1 {
		i := strings.IndexByte(v, ' ')
		if i < 0 {
			return false, errReply
		}
		f[n], v = v[:i], v[i+1:]
		n++
	}
	f[n] = v
	var x [admitFields]int64
	for i := range x {
		if i == 2 || i == 3 || i == admitFields-1 {
			continue
		}
		if x[i], err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return false, errReply
		}
	}
	if f[2] == "" {
		return false, errReply
	}
	d.Outcome, d.TokenKind, d.TokenID, d.MemberID = limiter.Outcome(x[0]), token.Kind(x[1]), f[2], f[3]
	d.UpstreamRev, d.Scope, d.Limit, d.Remaining = x[4], limiter.Scope(x[5]), x[6], x[7]
	d.Reset, d.RetryAfter = time.Duration(x[8])*time.Microsecond, time.Duration(x[9])*time.Microsecond
	d.Public, d.Period, d.CapNotice = x[10] == 1, x[11], x[12] == 1
	d.Role = f[admitFields-1]
	return x[13] == 1, nil
}
