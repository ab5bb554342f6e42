package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/store/storetest"
)

// TestContract: the Redis store passes the contract suite every backend must pass.
func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunAll(t, func(t *testing.T, clock *storetest.FakeClock) store.Store {
		return open(t, srv, redisstore.Options{Now: clock.Now})
	})
}

// open returns a store on srv; o.URL is filled in. The test closes it.
func open(t testing.TB, srv *redistest.Server, o redisstore.Options) *redisstore.Store {
	t.Helper()
	if o.Client == nil {
		o.URL = srv.URL()
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second // the race detector and 300 goroutines are slow; timeouts have their own test
	}
	s, err := redisstore.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
