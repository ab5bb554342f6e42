package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// publicWS is store.PublicWorkspace as bytes, for route cache keys.
var publicWS = []byte(store.PublicWorkspace)

// publicSet is one snapshot of the public upstreams' names and the public
// workspace's upstream revision when they were read. It is never mutated.
type publicSet struct {
	names map[string]struct{}
	rev   int64
}

// has reports whether name is a public upstream in the snapshot. The
// string(name) conversion in a map index does not allocate.
func (p *publicSet) has(name []byte) bool {
	_, ok := p.names[string(name)]
	return ok
}

// publicUpstreams keeps the snapshot fresh: one store call (UpstreamNames)
// every Config.PublicRefresh on a goroutine of its own, never on the request
// path, so admission stays one round trip. A public upstream created or
// deleted by the operator is therefore seen by this replica within
// PublicRefresh plus one store call; until then a deleted one is still
// admitted (routed from the cached route) and a new one is still unknown.
// A failed refresh keeps the previous snapshot.
type publicUpstreams struct {
	cur  atomic.Pointer[publicSet]
	stop chan struct{}
	once sync.Once
	done chan struct{}
}

func (g *Gateway) startPublic() {
	p := &g.public
	p.cur.Store(&publicSet{})
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(g.cfg.PublicRefresh)
		defer t.Stop()
		for {
			g.refreshPublic()
			select {
			case <-t.C:
			case <-p.stop:
				return
			}
		}
	}()
}

// refreshPublic reads the public upstreams once and replaces the snapshot.
func (g *Gateway) refreshPublic() {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.PublicRefresh+time.Second)
	defer cancel()
	start := time.Now()
	names, rev, err := g.ups.UpstreamNames(ctx, store.PublicWorkspace)
	g.met.ObserveStore("public_upstreams", time.Since(start), err)
	if err != nil {
		g.log.Warn("gateway: public upstreams not refreshed; keeping the last snapshot", "err", err)
		return
	}
	if old := g.public.cur.Load(); old != nil && old.rev == rev && len(old.names) == len(names) {
		return // unchanged: any change bumps the revision
	}
	set := &publicSet{names: make(map[string]struct{}, len(names)), rev: rev}
	for _, n := range names {
		set.names[n] = struct{}{}
	}
	g.public.cur.Store(set)
}

// stopPublic ends the refresher and waits for it.
func (g *Gateway) stopPublic() {
	g.public.once.Do(func() { close(g.public.stop) })
	<-g.public.done
}
