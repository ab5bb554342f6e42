package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// encodeModelRPM stores Token.ModelRPM as ",model=rpm,model=rpm," (models
// sorted), a form admit.lua searches with one plain string.find: model names
// cannot hold ',' or '=' (store.ValidModelName). Empty is "".
func encodeModelRPM(m map[string]int64) string {
	if len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte(',')
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(itoa(m[n]))
		b.WriteByte(',')
	}
	return b.String()
}

// decodeModelRPM reverses encodeModelRPM; nil for "".
func decodeModelRPM(s string) map[string]int64 {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	m := make(map[string]int64)
	for e := range strings.SplitSeq(s, ",") {
		if n, v, ok := strings.Cut(e, "="); ok {
			m[n] = i64(v)
		}
	}
	return m
}

// upstreamNamesScript: KEYS ws, upstreams. Reply {uprev, {name, ...}}, read atomically.
var upstreamNamesScript = newScript(`
return {redis.call('HGET', KEYS[1], 'uprev') or '0', redis.call('SMEMBERS', KEYS[2])}`)

// UpstreamNames returns the names of the workspace's upstreams and the
// upstream revision, read in one script. A workspace that does not exist has
// none and revision 0.
func (s *Store) UpstreamNames(ctx context.Context, workspace string) ([]string, int64, error) {
	if err := checkWorkspace(workspace); err != nil {
		return nil, 0, err
	}
	v, err := upstreamNamesScript.run(ctx, s.c, []string{wsKey(workspace), upstreamsKey(workspace)}).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("redisstore: upstream names: %w", err)
	}
	if len(v) != 2 {
		return nil, 0, fmt.Errorf("redisstore: upstream names: %w", errReply)
	}
	rev, _ := v[0].(string)
	raw, _ := v[1].([]any)
	names := make([]string, 0, len(raw))
	for _, n := range raw {
		if s, ok := n.(string); ok {
			names = append(names, s)
		}
	}
	return names, i64(rev), nil
}
