package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// TokenWatch is what closing streams on revocation needs of the store: the
// revocation feed, and the reads of the backstop re-check. A store.Store
// satisfies it.
type TokenWatch interface {
	Revocations(ctx context.Context) (<-chan store.Revocation, error)
	GetTokenByHash(ctx context.Context, workspace string, h token.Hash) (*store.Token, error)
	GetMember(ctx context.Context, workspace, id string) (*store.Member, error)
}

// watcher is the one goroutine per gateway that closes open MCP streams:
// it reads the store's revocation feed and closes the streams each
// revocation names at once, and every Config.StreamRecheck it starts
// RecheckStreams, the backstop for a revocation message lost on the way
// (pub/sub is best effort) and the way a client that left a silent stream
// is noticed. The re-check runs on a goroutine of its own, one at a time (a
// tick that finds the last one running is skipped), so that a slow store
// never delays the feed.
type watcher struct {
	tw     TokenWatch
	cancel context.CancelFunc
	done   chan struct{}
}

// startWatch starts the watcher; tw may be nil (no feed, no token checks).
func (g *Gateway) startWatch(tw TokenWatch) {
	ctx, cancel := context.WithCancel(context.Background())
	g.watch = watcher{tw: tw, cancel: cancel, done: make(chan struct{})}
	go g.watchLoop(ctx)
}

// stopWatch stops the watcher and waits for it.
func (g *Gateway) stopWatch() {
	g.watch.cancel()
	<-g.watch.done
}

// watchLoop runs the watcher until ctx ends. A feed that fails or closes is
// subscribed to again at the next tick.
func (g *Gateway) watchLoop(ctx context.Context) {
	defer close(g.watch.done)
	var rechecks sync.WaitGroup
	defer rechecks.Wait()
	running := make(chan struct{}, 1) // full while a re-check runs
	tick := time.NewTicker(g.cfg.StreamRecheck)
	defer tick.Stop()
	feed := g.subscribe(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case r, ok := <-feed:
			if !ok {
				feed = nil
				continue
			}
			if n := g.streams.revoke(r, g.now()); n > 0 {
				g.log.Info("gateway: revocation closed MCP streams", "workspace", r.Workspace, "streams", n)
			}
		case <-tick.C:
			if feed == nil {
				feed = g.subscribe(ctx)
			}
			select {
			case running <- struct{}{}:
				rechecks.Add(1)
				go func() {
					defer rechecks.Done()
					g.RecheckStreams(ctx)
					<-running
				}()
			default: // the last re-check is still running
			}
		}
	}
}

// subscribe returns the store's revocation feed, or nil (the watcher then
// relies on its re-checks until the next attempt).
func (g *Gateway) subscribe(ctx context.Context) <-chan store.Revocation {
	if g.watch.tw == nil {
		return nil
	}
	feed, err := g.watch.tw.Revocations(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("gateway: revocation feed unavailable; open streams are re-checked instead", "err", err)
		}
		return nil
	}
	return feed
}

// RecheckStreams checks every open MCP stream once and closes those whose
// client went away or whose token is no longer usable: unknown, revoked,
// expired, or a member token whose member was removed or became a reader.
// Each token is read once per call (GetTokenByHash, GetMember), at most
// recheckParallel tokens at once. A store error keeps the stream open: the
// feed and the next call will tell. The watcher runs it every
// Config.StreamRecheck; it returns how many streams it closed. It is safe
// for concurrent use.
func (g *Gateway) RecheckStreams(ctx context.Context) int {
	list := g.streams.snapshot()
	closed := 0
	for _, s := range list {
		if !s.clientAlive() {
			s.close(errClientGone)
			closed++
		}
	}
	if g.watch.tw == nil {
		return closed
	}
	byToken := make(map[token.Hash][]*openStream)
	for _, s := range list {
		if s.cause() == nil {
			byToken[s.hash] = append(byToken[s.hash], s)
		}
	}
	var wg sync.WaitGroup
	var revoked atomic.Int64
	slots := make(chan struct{}, recheckParallel)
	for _, streams := range byToken {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if g.tokenUsable(ctx, streams[0]) {
				return
			}
			for _, s := range streams {
				s.close(errRevoked)
			}
			revoked.Add(int64(len(streams)))
		}()
	}
	wg.Wait()
	return closed + int(revoked.Load())
}

// recheckParallel is the most tokens RecheckStreams reads at once.
const recheckParallel = 8

// tokenUsable reads the token of s and, for a member token, its member, as
// admission would judge them.
func (g *Gateway) tokenUsable(ctx context.Context, s *openStream) bool {
	t, err := g.watch.tw.GetTokenByHash(ctx, s.ws, s.hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		g.log.Warn("gateway: stream re-check: token unavailable", "err", err)
		return true
	case t.Status != store.TokenActive, !t.ExpiresAt.IsZero() && !g.now().Before(t.ExpiresAt):
		return false
	case t.Kind != token.Member:
		return true
	}
	m, err := g.watch.tw.GetMember(ctx, s.ws, t.MemberID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false
	case err != nil:
		g.log.Warn("gateway: stream re-check: member unavailable", "err", err)
		return true
	}
	return m.Status == store.MemberActive && m.Role != store.RoleReader
}
