package meter

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Event is one proxied request that was admitted.
type Event struct {
	Workspace string
	TokenID   string // the member token or workspace key used
	MemberID  string // the member, or the key's creator
	Upstream  string
	Status    int // HTTP status sent to the client; 0 if the client went away first
}

type key struct {
	workspace, tokenID, memberID, upstream string
	class                                  uint8 // status / 100
}

// Meter aggregates events. It is safe for concurrent use; Record takes a
// read lock and one atomic add once a (workspace, token, upstream, status
// class) combination has been seen, and does not allocate then.
type Meter struct {
	mu     sync.RWMutex
	counts map[key]*atomic.Int64
}

// New returns an empty Meter.
func New() *Meter { return &Meter{counts: make(map[key]*atomic.Int64)} }

// Record counts e. e's strings may alias the caller's buffers: Record keeps
// copies, made once per new combination.
func (m *Meter) Record(e *Event) {
	k := key{e.Workspace, e.TokenID, e.MemberID, e.Upstream, uint8(min(max(e.Status/100, 0), 9))}
	m.mu.RLock()
	c := m.counts[k]
	m.mu.RUnlock()
	if c == nil {
		m.mu.Lock()
		if c = m.counts[k]; c == nil {
			c = new(atomic.Int64)
			k.workspace, k.tokenID = strings.Clone(k.workspace), strings.Clone(k.tokenID)
			k.memberID, k.upstream = strings.Clone(k.memberID), strings.Clone(k.upstream)
			m.counts[k] = c
		}
		m.mu.Unlock()
	}
	c.Add(1)
}

// Count is the number of requests of one caller to one upstream.
type Count struct {
	TokenID  string `json:"token_id"`
	MemberID string `json:"member_id"`
	Upstream string `json:"upstream"`
	Class    string `json:"status_class"` // "2xx", "4xx", …; "0xx" when the client left first
	Requests int64  `json:"requests"`
}

// Counts returns the workspace's counts, ordered by token, upstream and class.
func (m *Meter) Counts(workspace string) []Count {
	m.mu.RLock()
	var out []Count
	for k, c := range m.counts {
		if k.workspace != workspace {
			continue
		}
		out = append(out, Count{TokenID: k.tokenID, MemberID: k.memberID, Upstream: k.upstream,
			Class: string('0'+k.class) + "xx", Requests: c.Load()})
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.TokenID, b.TokenID), cmp.Compare(a.Upstream, b.Upstream), cmp.Compare(a.Class, b.Class))
	})
	return out
}
