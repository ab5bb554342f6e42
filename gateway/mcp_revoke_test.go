package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// silentUpstream holds every stream open after one event, silent, until
// the gateway lets go of it; gone receives each request whose connection
// the gateway closed.
func silentUpstream(t testing.TB) (*recorder, chan string) {
	gone := make(chan string, 16)
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		gone <- r.Method
	})
	return up, gone
}

// openStream opens a stream through the gateway with tok, reads its first
// event, and returns a channel closed when the stream ends (EOF or error).
func (e *mcpEnv) openStream(t testing.TB, method, tok string) <-chan struct{} {
	t.Helper()
	body := ""
	if method == http.MethodPost {
		body = call(1, "echo")
	}
	req, err := http.NewRequest(method, e.url+"/up", strings.NewReader(body))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	must(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		must(t, err)
		if line == "\n" {
			break
		}
	}
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, rd)
		close(ended)
	}()
	return ended
}

// endsWithin reports whether a stream ended (openStream) within d.
func endsWithin(ended <-chan struct{}, d time.Duration) bool {
	select {
	case <-ended:
		return true
	case <-time.After(d): // a deadline on the assertion, not a wait
		return false
	}
}

// TestRevocationClosesOpenStreams: revoking a token closes its open MCP
// streams, the GET stream and an in-flight POST SSE answer, within a
// second, and the gateway lets go of the upstream; other tokens' streams
// stay open. Removing a member closes the streams of its member tokens the
// same way, not those of the workspace keys it created (keys outlive their
// creator's membership). Both stores: the revocation travels by the
// store's feed.
func TestRevocationClosesOpenStreams(t *testing.T) {
	for _, backend := range []string{"embedded", "redis"} {
		t.Run(backend, func(t *testing.T) {
			e := newMCPEnv(t, mopt{backend: backend})
			up, gone := silentUpstream(t)
			e.addMCP(up.URL)
			key, rec, err := store.NewToken(token.Key, e.ws, e.member.ID, "k", time.Now())
			must(t, err)
			must(t, e.s.CreateToken(e.ctx, rec))
			second, rec, err := store.NewToken(token.Member, e.ws, e.member.ID, "t2", time.Now())
			must(t, err)
			must(t, e.s.CreateToken(e.ctx, rec))
			get := e.openStream(t, http.MethodGet, e.secret)
			post := e.openStream(t, http.MethodPost, e.secret)
			kept := e.openStream(t, http.MethodGet, second)
			keyStream := e.openStream(t, http.MethodGet, key)

			must(t, e.s.RevokeToken(e.ctx, e.ws, e.tokenID))
			if !endsWithin(get, time.Second) || !endsWithin(post, time.Second) {
				t.Fatal("a revoked token's streams were still open a second later")
			}
			for range 2 {
				select {
				case <-gone:
				case <-time.After(5 * time.Second):
					t.Fatal("the upstream streams of the revoked token were not closed")
				}
			}
			if endsWithin(kept, 50*time.Millisecond) {
				t.Fatal("another token's stream was closed")
			}

			m := *e.member
			m.Status = store.MemberRemoved
			must(t, e.s.PutMember(e.ctx, &m))
			if !endsWithin(kept, time.Second) {
				t.Fatal("the stream of a removed member's other token stayed open")
			}
			if endsWithin(keyStream, 50*time.Millisecond) {
				t.Fatal("a key's stream was closed with its creator's membership")
			}
		})
	}
}

// gatewayConfigNoTick leaves the periodic re-check to the test, which
// calls RecheckStreams itself.
func gatewayConfigNoTick() gateway.Config { return gateway.Config{StreamRecheck: time.Hour} }

// TestRecheckClosesStreamsWhenFeedIsLost: with no revocation message
// (pub/sub is best effort), the periodic re-check reads the token from the
// store and closes the stream of a revoked token.
func TestRecheckClosesStreamsWhenFeedIsLost(t *testing.T) {
	e := newMCPEnv(t, mopt{noFeed: true, cfg: gatewayConfigNoTick()})
	up, _ := silentUpstream(t)
	e.addMCP(up.URL)
	get := e.openStream(t, http.MethodGet, e.secret)
	if n := e.gw.RecheckStreams(context.Background()); n != 0 {
		t.Fatalf("re-check of a live token closed %d streams", n)
	}
	must(t, e.s.RevokeToken(e.ctx, e.ws, e.tokenID))
	if n := e.gw.RecheckStreams(context.Background()); n != 1 {
		t.Fatalf("re-check after the revocation closed %d streams, want 1", n)
	}
	if !endsWithin(get, time.Second) {
		t.Fatal("the stream stayed open")
	}
}

// TestRecheckNoticesClientThatLeftASilentStream: a client that leaves a
// silent stream is noticed by the re-check's probe of its socket, and the
// gateway closes the upstream stream (for 2026-07-28 that cancels the
// request), instead of holding it until the upstream next sends.
func TestRecheckNoticesClientThatLeftASilentStream(t *testing.T) {
	e := newMCPEnv(t, mopt{cfg: gatewayConfigNoTick()})
	up, gone := silentUpstream(t)
	e.addMCP(up.URL)
	tr := &http.Transport{}
	c := &http.Client{Transport: tr}
	req, err := http.NewRequest(http.MethodPost, e.url+"/up", strings.NewReader(call(1, "slow")))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+e.secret)
	resp, err := c.Do(req)
	must(t, err)
	_, _ = bufio.NewReader(resp.Body).ReadString('\n')
	if n := e.gw.RecheckStreams(context.Background()); n != 0 {
		t.Fatalf("re-check with the client there closed %d streams", n)
	}
	_ = resp.Body.Close() // the client leaves
	tr.CloseIdleConnections()
	waitUntil(t, "the probe to notice the client left", func() bool { return e.gw.RecheckStreams(context.Background()) == 1 })
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream stream was not closed")
	}
	got := e.toolRecords(t, 1) // cut before its result: charged, it may have run
	checkCalls(t, e, got, []wantCall{{"slow", priceSlow, true}})
}

// stuckChecks is a TokenWatch whose token reads block until release is
// closed, as a store that stopped answering would; entered receives a
// value each time a read starts.
type stuckChecks struct {
	gateway.TokenWatch
	entered chan struct{}
	release chan struct{}
}

func (s stuckChecks) GetTokenByHash(ctx context.Context, ws string, h token.Hash) (*store.Token, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.TokenWatch.GetTokenByHash(ctx, ws, h)
}

// TestRevocationIsNotDelayedByASlowRecheck: a revocation from the feed
// closes the token's stream while a re-check is stuck reading the store:
// the feed never waits for the re-check (review 6 #6).
func TestRevocationIsNotDelayedByASlowRecheck(t *testing.T) {
	stuck := stuckChecks{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := newMCPEnv(t, mopt{watch: func(tw gateway.TokenWatch) gateway.TokenWatch {
		stuck.TokenWatch = tw
		return stuck
	}})
	up, _ := silentUpstream(t)
	e.addMCP(up.URL)
	get := e.openStream(t, http.MethodGet, e.secret)
	t.Cleanup(func() { close(stuck.release) }) // first: the upstream closes once the stream does
	select {
	case <-stuck.entered: // a re-check now waits on the store
	case <-time.After(10 * time.Second):
		t.Fatal("no re-check started")
	}
	must(t, e.s.RevokeToken(e.ctx, e.ws, e.tokenID))
	if !endsWithin(get, 5*time.Second) {
		t.Fatal("the revoked token's stream stayed open while a re-check was stuck")
	}
}
