package metrics

import (
	"maps"
	"sync"
	"sync/atomic"
)

// cache maps label values to resolved children. Reads load an immutable map
// through an atomic pointer and take no lock; a miss copies the map under mu.
// Label sets are small (upstream names, reasons, operations), so copying on
// the rare miss is cheaper than locking on every hit.
type cache[V any] struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]V]
}

// get returns the value cached under k, calling create to make it on a miss.
func (c *cache[V]) get(k string, create func() V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	next := make(map[string]V, 1)
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
		next = maps.Clone(*old)
	}
	v := create()
	next[k] = v
	c.m.Store(&next)
	return v
}
