package mcp

import (
	"fmt"
	"sync"
)

// MaxTracked is the most requests a Tracker remembers; when full, the
// oldest is forgotten (its response then passes unwatched).
const MaxTracked = 1024

// Tracker remembers the requests of one 2024-11-05 HTTP+SSE session,
// whose responses arrive on the session's GET stream rather than on the
// POST that carried the request. The POST handler Adds each request before
// forwarding it; the GET stream's Stream (Pending.Tracker) takes the entry
// when the response arrives, observing a tools/call's outcome as for its
// own requests. Every request is remembered, not only tools/call, so that
// a request reusing the id of one still awaiting its response is refused:
// its response could be taken for the other's. The zero Tracker is empty
// and ready. A Tracker is safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	entries []tracked // oldest first
}

// tracked is one request a Tracker remembers.
type tracked struct {
	id   []byte // raw JSON, copied
	ref  int
	kind trackedKind
}

// trackedKind is the method of a tracked request, as far as a Stream cares.
type trackedKind uint8

const (
	trackedOther trackedKind = iota // any other request: only its id matters
	trackedList                     // tools/list
	trackedCall                     // tools/call: its outcome is observed
)

// Add remembers the requests among calls (Inspect's result) that skip does
// not exclude; notifications and responses are ignored. ref gives the ref
// of each tools/call request, by index in calls, which the Stream reports
// in its Observation of the call's outcome; it is called only once the
// requests are accepted, and with the Tracker locked (it must not call the
// Tracker). When the id of one of them is that of a request still awaiting
// its response, nothing is added and the error wraps ErrDuplicateID. Add
// copies what it keeps.
func (t *Tracker) Add(calls []Call, skip func(i int) bool, ref func(i int) int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range calls {
		c := &calls[i]
		if c.Kind != Request || skip(i) {
			continue
		}
		for j := range t.entries {
			if similarID(t.entries[j].id, c.ID) {
				return fmt.Errorf("%w: id %.64s is that of a request of this session still awaiting its response", ErrDuplicateID, c.ID)
			}
		}
	}
	for i := range calls {
		c := &calls[i]
		if c.Kind != Request || skip(i) {
			continue
		}
		e := tracked{id: append([]byte(nil), c.ID...), ref: -1}
		switch c.Method {
		case "tools/list":
			e.kind = trackedList
		case "tools/call":
			e.kind, e.ref = trackedCall, ref(i)
		}
		if len(t.entries) == MaxTracked {
			t.remove(0)
		}
		t.entries = append(t.entries, e)
	}
	return nil
}

// Forget forgets the requests among calls that skip does not exclude, as
// Add remembered them: their POST failed and no response will come.
func (t *Tracker) Forget(calls []Call, skip func(i int) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range calls {
		c := &calls[i]
		if c.Kind != Request || skip(i) {
			continue
		}
		for j := range t.entries {
			if sameID(t.entries[j].id, c.ID) {
				t.remove(j)
				break
			}
		}
	}
}

// Len returns the number of requests awaiting their response.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// find returns the request whose id is id; take also forgets it.
func (t *Tracker) find(id []byte, take bool) (tracked, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.entries {
		if sameID(t.entries[i].id, id) {
			e := t.entries[i]
			if take {
				t.remove(i)
			}
			return e, true
		}
	}
	return tracked{}, false
}

// remove forgets entry i.
func (t *Tracker) remove(i int) {
	copy(t.entries[i:], t.entries[i+1:])
	t.entries[len(t.entries)-1] = tracked{}
	t.entries = t.entries[:len(t.entries)-1]
}
