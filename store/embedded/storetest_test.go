package embedded_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	"github.com/tollgate-dev/tollgate/store/storetest"
)

// TestContract runs the shared store contract suite, store.Store and
// store.Teams, against the embedded store, so both backends are held to the
// same behaviour.
func TestContract(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T, clock *storetest.FakeClock) store.Store {
		s, err := embedded.Open(t.TempDir(), embedded.Options{Clock: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
