package embedded

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// diskMember reads member id of workspace ws straight from the file.
func diskMember(t *testing.T, s *Store, ws, id string) store.Member {
	t.Helper()
	var m store.Member
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketWorkspaces).Bucket([]byte(ws)).Bucket(bucketMembers).Get([]byte(id))
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// diskWrites returns how many page writes the database has done.
func diskWrites(s *Store) int64 {
	st := s.db.Stats()
	return st.TxStats.GetWrite()
}

// TestAdmitWritesNothingToDisk: Admit records LastActive in memory only; the
// next write of the member persists it.
func TestAdmitWritesNothingToDisk(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 12, 0, 30, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws := token.NewID()
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: "a@example.com", Role: store.RoleMember}
	_, tk, err := store.NewToken(token.Member, ws, m.ID, "", now)
	for _, err := range []error{err,
		s.CreateWorkspace(ctx, &store.Workspace{ID: ws, Name: "w"}),
		s.PutMember(ctx, m),
		s.CreateToken(ctx, tk),
		s.PutUpstream(ctx, &store.Upstream{WorkspaceID: ws, Name: "u", BaseURL: "https://x", Kind: store.KindLLM}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	txBefore := diskWrites(s)
	var d limiter.Decision
	if err := s.Admit(ctx, &limiter.Request{Workspace: ws, TokenHash: tk.Hash, Upstream: "u"}, &d); err != nil || d.Outcome != limiter.Allowed {
		t.Fatalf("Admit: %v %+v", err, d)
	}
	if got := diskWrites(s); got != txBefore {
		t.Fatalf("Admit wrote to disk (%d page writes)", got-txBefore)
	}
	if got := diskMember(t, s, ws, m.ID).LastActive; !got.IsZero() {
		t.Fatalf("LastActive on disk right after Admit is %v, want zero (recorded lazily)", got)
	}
	if err := s.PutMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, want := diskMember(t, s, ws, m.ID).LastActive, now.Truncate(time.Minute); !got.Equal(want) {
		t.Fatalf("LastActive on disk after PutMember is %v, want %v", got, want)
	}
	if s.workspace(ws).members[m.ID].dirty {
		t.Fatal("member still dirty after its write")
	}
}
