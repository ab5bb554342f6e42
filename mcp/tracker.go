package mcp

import "sync"

// MaxTracked is the most requests a Tracker remembers; when full, the
// oldest is forgotten (its response then passes unwatched).
const MaxTracked = 1024

// Tracker remembers the tools/list and tools/call requests of one 2024-11-05
// HTTP+SSE session, whose responses arrive on the session's GET stream
// rather than on the POST that carried the request. The POST handler Adds
// each request before forwarding it; the GET stream's Stream (Pending.Tracker)
// takes the entry when the response arrives, filtering or observing it as
// for its own requests. The zero Tracker is empty and ready. A Tracker is
// safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	entries []tracked // oldest first
	lists   int       // tools/list entries
}

// tracked is one request a Tracker remembers.
type tracked struct {
	id   []byte // raw JSON, copied
	ref  int
	list bool // tools/list; else tools/call
}

// Add remembers c when it is a tools/list or tools/call request (other
// messages are ignored), with ref, which the Stream reports in its
// Observation of the call's outcome. It copies what it keeps.
func (t *Tracker) Add(c *Call, ref int) {
	list := c.Method == "tools/list"
	if c.Kind != Request || !list && c.Method != "tools/call" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) == MaxTracked {
		t.remove(0)
	}
	t.entries = append(t.entries, tracked{id: append([]byte(nil), c.ID...), ref: ref, list: list})
	if list {
		t.lists++
	}
}

// Len returns the number of requests awaiting their response.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// hasLists reports whether a tools/list request awaits its response.
func (t *Tracker) hasLists() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lists > 0
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
	if t.entries[i].list {
		t.lists--
	}
	copy(t.entries[i:], t.entries[i+1:])
	t.entries[len(t.entries)-1] = tracked{}
	t.entries = t.entries[:len(t.entries)-1]
}
