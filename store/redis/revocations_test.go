package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// feedWait bounds each wait for a revocation: a deadline for a condition,
// not a measured latency.
const feedWait = 10 * time.Second

// subscribe returns s's revocation feed until the test ends.
func subscribe(t *testing.T, s *redisstore.Store) <-chan store.Revocation {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := s.Revocations(ctx)
	must(t, err)
	return ch
}

// receive returns the next revocation on ch, failing after feedWait or
// when ch closes.
func receive(t *testing.T, ch <-chan store.Revocation) store.Revocation {
	t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			t.Fatal("revocation feed closed")
		}
		return r
	case <-time.After(feedWait):
		t.Fatalf("no revocation within %v", feedWait)
	}
	return store.Revocation{}
}

// TestRevocationsReachOtherReplicas: a revocation written through one
// replica's store reaches another replica's subscription, which is how a
// removal closes streams on every replica.
func TestRevocationsReachOtherReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv, redisstore.Options{}), open(t, srv, redisstore.Options{})
	f := seed(t, a)
	ch := subscribe(t, b)
	must(t, a.RevokeToken(context.Background(), f.ws, f.key.ID))
	if r := receive(t, ch); r != (store.Revocation{Workspace: f.ws, TokenID: f.key.ID}) {
		t.Fatalf("replica b got %+v, want the key revoked on replica a", r)
	}
	m, err := a.GetMember(context.Background(), f.ws, f.member.MemberID)
	must(t, err)
	m.Status = store.MemberRemoved
	must(t, a.PutMember(context.Background(), m))
	if r := receive(t, ch); r != (store.Revocation{Workspace: f.ws, MemberID: m.ID}) {
		t.Fatalf("replica b got %+v, want the member removed on replica a", r)
	}
}

// TestRevocationsSkipMalformedMessages: a message on the channel that is
// not a revocation (another program, an older version) is skipped, and the
// feed goes on.
func TestRevocationsSkipMalformedMessages(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	ch := subscribe(t, s)
	raw := rawClient(t, srv)
	for _, msg := range []string{"not json", `{"token_id":"no workspace"}`, `[]`} {
		must(t, raw.Publish(context.Background(), redisstore.RevocationChannel, msg).Err())
	}
	must(t, s.RevokeToken(context.Background(), f.ws, f.key.ID))
	if r := receive(t, ch); r != (store.Revocation{Workspace: f.ws, TokenID: f.key.ID}) {
		t.Fatalf("got %+v, want the revocation after the malformed messages", r)
	}
}

// TestRevocationsResumeAfterConnectionLoss: when Redis drops the
// subscriber's connection, the feed stays open and go-redis subscribes
// again; revocations published after that arrive (those published while it
// was down are lost, as documented). Each revoke publishes, so the test
// revokes until one arrives.
func TestRevocationsResumeAfterConnectionLoss(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	ch := subscribe(t, s)
	raw := rawClient(t, srv)
	if n, err := raw.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Int(); err != nil || n < 1 {
		t.Fatalf("CLIENT KILL TYPE pubsub: %d killed, %v; want the subscriber's connection", n, err)
	}
	deadline := time.Now().Add(feedWait)
	for {
		must(t, s.RevokeToken(context.Background(), f.ws, f.key.ID))
		select {
		case r, ok := <-ch:
			if !ok {
				t.Fatal("revocation feed closed after the connection was lost")
			}
			if r != (store.Revocation{Workspace: f.ws, TokenID: f.key.ID}) {
				t.Fatalf("got %+v after reconnecting", r)
			}
			return
		case <-time.After(50 * time.Millisecond): // poll: publish again
		}
		if time.Now().After(deadline) {
			t.Fatalf("no revocation within %v of the connection loss", feedWait)
		}
	}
}
