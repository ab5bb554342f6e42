package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// RunKeys runs the CreateKey part of the contract (the workspace-key limit,
// atomic under concurrency) against the backend that open builds. Every
// subtest gets its own store and clock.
func RunKeys(t *testing.T, open Opener) {
	t.Helper()
	runCases(t, open, keysCases, withTeams)
}

// keysCases lists the CreateKey properties, each named for the property.
var keysCases = []struct {
	name string
	run  func(t *testing.T, e *tenv)
}{
	{"CreateKeyCountsActiveUnexpiredKeys", testCreateKeyLimit},
	{"CreateKeyZeroUnlimited", testCreateKeyUnlimited},
	{"CreateKeyRefusals", testCreateKeyRefusals},
	{"CreateKeyRaceForTheLastKey", testCreateKeyRace},
}

// newKey returns an unsaved workspace key of the env workspace made by m.
func (e *tenv) newKey(m *store.Member) *store.Token {
	e.t.Helper()
	_, k, err := store.NewToken(token.Key, e.ws, m.ID, "bot", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

// keyLimitErr fails unless err is a *store.KeyLimitError with limit and active.
func keyLimitErr(t *testing.T, err error, limit, active int, what string) {
	t.Helper()
	var ke *store.KeyLimitError
	if !errors.As(err, &ke) || ke.Limit != limit || ke.Active != active {
		t.Fatalf("%s: %v, want *store.KeyLimitError{Limit: %d, Active: %d}", what, err, limit, active)
	}
}

// testCreateKeyLimit: active, unexpired keys count; member tokens, revoked
// and expired keys do not; a refused key is not stored.
func testCreateKeyLimit(t *testing.T, e *tenv) {
	m := e.member(0)
	e.tok(token.Member, m) // a member token takes no key slot
	revoked := e.newKey(m)
	ok(t, e.tm.CreateKey(e.ctx, revoked, 3), "first key")
	ok(t, e.s.RevokeToken(e.ctx, e.ws, revoked.ID), "RevokeToken")
	short := e.newKey(m)
	short.ExpiresAt = e.clock.Now().Add(time.Minute)
	ok(t, e.tm.CreateKey(e.ctx, short, 3), "key expiring in a minute")
	ok(t, e.tm.CreateKey(e.ctx, e.newKey(m), 3), "second active key")
	ok(t, e.tm.CreateKey(e.ctx, e.newKey(m), 3), "third active key")
	refused := e.newKey(m)
	keyLimitErr(t, e.tm.CreateKey(e.ctx, refused, 3), 3, 3, "fourth of 3")
	_, err := e.s.GetToken(e.ctx, e.ws, refused.ID)
	isErr(t, err, store.ErrNotFound, "the refused key")
	e.clock.Advance(time.Minute) // short expires: its slot is free
	ok(t, e.tm.CreateKey(e.ctx, refused, 3), "key in the slot of the expired one")
	got, err := e.s.GetToken(e.ctx, e.ws, refused.ID)
	ok(t, err, "GetToken")
	if got.Kind != token.Key || got.Status != store.TokenActive || got.Hash != refused.Hash {
		t.Fatalf("stored key %+v", got)
	}
	keyLimitErr(t, e.tm.CreateKey(e.ctx, e.newKey(m), 2), 2, 3, "limit below the active count")
}

// testCreateKeyUnlimited: maxActive <= 0 limits nothing.
func testCreateKeyUnlimited(t *testing.T, e *tenv) {
	m := e.member(0)
	for range 5 {
		ok(t, e.tm.CreateKey(e.ctx, e.newKey(m), 0), "unlimited key")
		ok(t, e.tm.CreateKey(e.ctx, e.newKey(m), -1), "negative is unlimited")
	}
}

// testCreateKeyRefusals: a member token, an unknown workspace and a taken id are refused.
func testCreateKeyRefusals(t *testing.T, e *tenv) {
	m := e.member(0)
	_, mt, err := store.NewToken(token.Member, e.ws, m.ID, "", e.clock.Now())
	ok(t, err, "NewToken")
	if err := e.tm.CreateKey(e.ctx, mt, 0); err == nil {
		t.Fatal("CreateKey stored a member token")
	}
	k := e.newKey(m)
	ok(t, e.tm.CreateKey(e.ctx, k, 0), "CreateKey")
	dup := e.newKey(m)
	dup.ID = k.ID
	isErr(t, e.tm.CreateKey(e.ctx, dup, 0), store.ErrExists, "taken id")
	foreign := e.newKey(m)
	foreign.WorkspaceID = token.NewID()
	isErr(t, e.tm.CreateKey(e.ctx, foreign, 0), store.ErrNotFound, "unknown workspace")
}

// testCreateKeyRace: 20 goroutines race for the last key: exactly one wins.
func testCreateKeyRace(t *testing.T, e *tenv) {
	m := e.member(0)
	const limit, racers = 5, 20
	for range limit - 1 {
		ok(t, e.tm.CreateKey(e.ctx, e.newKey(m), limit), "key below the limit")
	}
	keys := make([]*store.Token, racers)
	for i := range keys {
		keys[i] = e.newKey(m)
	}
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = e.tm.CreateKey(e.ctx, keys[i], limit)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		var ke *store.KeyLimitError
		switch {
		case err == nil:
			won++
		case errors.As(err, &ke):
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d racers took the last key, want exactly 1", won)
	}
	toks, err := e.s.ListTokens(e.ctx, e.ws)
	ok(t, err, "ListTokens")
	if len(toks) != limit {
		t.Fatalf("%d keys stored, want %d", len(toks), limit)
	}
}
