package embedded

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tollgate-dev/tollgate/store"
)

// revocationBuffer is the capacity of each subscriber's channel: the
// revocations a subscriber may fall behind by before the next is dropped
// for it.
const revocationBuffer = 256

// feed fans revocations out to the subscribers of one store, in process.
// publish never blocks: a subscriber whose buffer is full misses that
// revocation, and dropped counts it. The zero value is ready; it is safe
// for concurrent use.
type feed struct {
	mu      sync.Mutex
	subs    map[chan store.Revocation]func() bool // the stop of each subscriber's context.AfterFunc
	closed  bool
	dropped atomic.Int64
}

// subscribe adds a subscriber whose channel closes when ctx ends or the
// feed closes. It fails with ErrClosed after close.
func (f *feed) subscribe(ctx context.Context) (<-chan store.Revocation, error) {
	ch := make(chan store.Revocation, revocationBuffer)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	if f.subs == nil {
		f.subs = make(map[chan store.Revocation]func() bool)
	}
	f.subs[ch] = context.AfterFunc(ctx, func() { f.unsubscribe(ch) })
	return ch, nil
}

// unsubscribe removes ch and closes it, unless close did already.
func (f *feed) unsubscribe(ch chan store.Revocation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		close(ch)
	}
}

// publish offers r to every subscriber without blocking; each full buffer
// drops r for its subscriber and counts one drop.
func (f *feed) publish(r store.Revocation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- r:
		default:
			f.dropped.Add(1)
		}
	}
}

// close closes every subscriber's channel and refuses new subscribers.
func (f *feed) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for ch, stop := range f.subs {
		stop()
		delete(f.subs, ch)
		close(ch)
	}
}

// Revocations returns a feed of the tokens that stopped being usable (see
// store.Tools): RevokeToken publishes the token (every successful call,
// also of a token revoked before), PutMember the member when it turns from
// active and not a reader into removed or a reader, DeleteWorkspace the
// whole workspace, each after its write committed. Delivery is in process
// and never blocks the writer: each subscriber has a buffer of 256, and a
// subscriber that falls further behind misses revocations, which
// RevocationsDropped counts (the gateway re-checks long streams for this
// reason). The channel closes when ctx ends or the store closes; ErrClosed
// after Close.
func (s *Store) Revocations(ctx context.Context) (<-chan store.Revocation, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	return s.feed.subscribe(ctx)
}

// RevocationsDropped returns how many revocations were dropped, since Open,
// because a subscriber's buffer was full: one per subscriber that missed
// one.
func (s *Store) RevocationsDropped() int64 { return s.feed.dropped.Load() }
