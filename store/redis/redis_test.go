package redisstore_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

func rawClient(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestRateKeysHaveTTL: every rate counter the script writes expires on its own (Kong #14995).
func TestRateKeysHaveTTL(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	for range 3 {
		if d, err := f.admit(s, f.member); err != nil || d.Outcome != limiter.Allowed {
			t.Fatalf("member admit: %+v %v", d, err)
		}
		if d, err := f.admit(s, f.key); err != nil || d.Outcome != limiter.Allowed {
			t.Fatalf("key admit: %+v %v", d, err)
		}
	}
	c, ctx := rawClient(t, srv), context.Background()
	keys, err := c.Keys(ctx, "{w:*}:rl:*").Result()
	must(t, err)
	if len(keys) != 3 {
		t.Fatalf("rate keys %v: want member, key and workspace counters", keys)
	}
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		must(t, err)
		if ttl <= 0 || ttl > limiter.Window+2*limiter.BucketWidth {
			t.Fatalf("%s has PTTL %v, want in (0, %v]", k, ttl, limiter.Window+2*limiter.BucketWidth)
		}
	}
}

// TestNoScriptFallback: after SCRIPT FLUSH (or a restart) Admit still decides, via EVAL.
func TestNoScriptFallback(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	c, ctx := rawClient(t, srv), context.Background()
	for range 2 {
		must(t, c.ScriptFlush(ctx).Err())
		if d, err := f.admit(s, f.member); err != nil || d.Outcome != limiter.Allowed {
			t.Fatalf("admit after SCRIPT FLUSH: %+v %v", d, err)
		}
	}
	must(t, c.ScriptFlush(ctx).Err())
	if _, err := s.GetToken(ctx, f.ws, f.key.ID); err != nil {
		t.Fatalf("admin script after SCRIPT FLUSH: %v", err)
	}
}

// countHook counts the commands a client sends.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestOneCommandPerAdmit: an Admit is exactly one EVALSHA, seen from the client and from the server.
func TestOneCommandPerAdmit(t *testing.T) {
	srv := redistest.Start(t)
	c := rawClient(t, srv)
	hook := &countHook{}
	c.AddHook(hook)
	s := open(t, srv, redisstore.Options{Client: c})
	f := seed(t, s)
	if _, err := f.admit(s, f.member); err != nil { // loads the script on the server
		t.Fatal(err)
	}
	const n = 50
	beforeSrv := evalshaCalls(t, c)
	before := hook.n.Load()
	for i := range n {
		tk := f.member
		if i%2 == 1 {
			tk = f.key
		}
		if d, err := f.admit(s, tk); err != nil || d.Outcome != limiter.Allowed {
			t.Fatalf("admit: %+v %v", d, err)
		}
	}
	sent := hook.n.Load() - before
	afterSrv := evalshaCalls(t, c)
	if sent != n || afterSrv-beforeSrv != n {
		t.Fatalf("%d admits sent %d commands and raised cmdstat_evalsha by %d; want %d and %d", n, sent, afterSrv-beforeSrv, n, n)
	}
}

// evalshaCalls reads calls= of cmdstat_evalsha from INFO commandstats.
func evalshaCalls(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	must(t, err)
	for line := range strings.SplitSeq(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_evalsha:calls=")
		if ok {
			n, err := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			must(t, err)
			return n
		}
	}
	return 0
}

// TestStoppedRedisFailsFastAndRecovers: with Redis down, Admit returns a
// connection or timeout error (never hangs, never a verdict), and works
// again once Redis is back.
func TestStoppedRedisFailsFastAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{Timeout: redisstore.DefaultTimeout})
	f := seed(t, s)
	srv.Stop()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := f.admit(s, f.member)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("Admit did not return with Redis stopped")
	}
	t.Logf("Admit with Redis stopped returned after %v: %v", time.Since(start), err)
	var ne net.Error
	// Refused (a new connection), EOF or reset (a kept connection), or a timeout.
	if err == nil || !(errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("Admit with Redis stopped: %v, want a connection or timeout error", err)
	}
	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := f.admit(s, f.member)
		if err == nil {
			if d.Outcome != limiter.Unknown { // the restarted server is empty
				t.Fatalf("after restart: %+v, want unknown token on the empty server", d)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Admit did not recover after restart: %v", err)
		}
	}
}

// TestUnansweringServerTimesOut: a server that accepts but never answers makes
// New fail with a timeout error instead of hanging (envoyproxy/ratelimit #462).
func TestUnansweringServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := redisstore.New(context.Background(), redisstore.Options{URL: "redis://" + l.Addr().String()})
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("New did not return against a silent server")
	}
	t.Logf("New against a silent server returned after %v: %v", time.Since(start), err)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("New against a silent server: %v, want a timeout error", err)
	}
}
