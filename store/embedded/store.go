package embedded

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/store"
)

// FileName is the name of the database file inside the data directory.
const FileName = "tollgate.db"

// lockTimeout bounds how long Open waits for another process's file lock.
const lockTimeout = time.Second

// Errors of this backend, besides store.ErrNotFound and store.ErrExists.
var (
	// ErrInvalid is wrapped by every error about a malformed record; the
	// message names the field.
	ErrInvalid = errors.New("embedded: invalid record")
	// ErrLocked is wrapped when another process holds the data directory.
	ErrLocked = errors.New("embedded: database is locked by another process")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("embedded: store is closed")
)

// Options configure Open. The zero value is usable.
type Options struct {
	Clock  func() time.Time // the store's clock for rate limits and expiry; default time.Now
	Logger *slog.Logger     // default discards
	// HoldTTL is how long a hold made by Admit waits for its Settle before
	// it is settled at its estimate; default DefaultHoldTTL (1 h).
	HoldTTL time.Duration
	// RequestRetention is how long the audit records of requests and the
	// webhook deliveries are kept; default DefaultRequestRetention (30 days).
	RequestRetention time.Duration
}

// Store is the embedded backend. It is safe for concurrent use by many
// goroutines of one process.
type Store struct {
	db        *bolt.DB
	path      string
	clock     func() time.Time
	log       *slog.Logger
	holdTTL   time.Duration
	retention time.Duration
	closed    atomic.Bool

	mu         sync.Mutex                          // serialises CreateWorkspace and DeleteWorkspace
	workspaces atomic.Pointer[map[string]*wsState] // immutable; replaced on create and delete
	global     *globals                            // accounts and plans
	feed       feed                                // revocation subscribers (revocations.go)
}

var (
	_ store.Store = (*Store)(nil)
	_ store.Teams = (*Store)(nil)
	_ store.Money = (*Store)(nil)
	_ store.Tools = (*Store)(nil)
)

// Open opens or creates the database in dir, creating dir with mode 0700 if
// it is missing, and loads everything into memory. It fails after about a
// second, with ErrLocked and the file's path, when another process has the
// database open.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("embedded: data directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (is another tollgate running with this data directory?)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	db.MaxBatchDelay = settleBatchDelay
	s := &Store{db: db, path: path, clock: opts.Clock, log: opts.Logger,
		holdTTL: cmp.Or(opts.HoldTTL, DefaultHoldTTL), retention: cmp.Or(opts.RequestRetention, DefaultRequestRetention)}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	m, err := load(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: load %s: %w", path, err)
	}
	if s.global, err = loadGlobals(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: load %s: %w", path, err)
	}
	s.workspaces.Store(&m)
	s.log.Info("embedded store opened", "path", path, "workspaces", len(m))
	return s, nil
}

// Ping reports whether the store is open.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// Close writes the last activity and the cap notices that Admit recorded
// in memory (see activity.go and flushNotices), closes every Revocations
// channel and closes the database.
// Holds not settled by then are lost (see money.go): settle first. Every later call fails with
// ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.feed.close()
	flushErr := errors.Join(s.flushActivity(), s.flushNotices())
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close %s: %w", s.path, err)
	}
	if flushErr != nil {
		return fmt.Errorf("embedded: write last activity on close: %w", flushErr)
	}
	return nil
}

// workspace returns the state of workspace id, or nil. It takes no lock.
func (s *Store) workspace(id string) *wsState {
	return (*s.workspaces.Load())[id]
}

// open returns ErrClosed after Close, else ctx's error.
func (s *Store) open(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// lookup returns the state of an existing workspace for an admin method.
func (s *Store) lookup(ctx context.Context, id string) (*wsState, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	ws := s.workspace(id)
	if ws == nil {
		return nil, fmt.Errorf("embedded: workspace %q: %w", id, store.ErrNotFound)
	}
	return ws, nil
}
