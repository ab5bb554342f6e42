package gateway

import (
	"testing"
	"time"
)

// TestDueKeepsTimeoutWithinBounds: a deadline moves only when it would cut
// before now+d or linger past now+d+d/16, and is then set to now+d+d/16.
func TestDueKeepsTimeoutWithinBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	d := 160 * time.Second // d/16 = 10 s
	for _, c := range []struct {
		name string
		at   time.Time
		move bool
	}{
		{"none yet", time.Time{}, true},
		{"would cut early", now.Add(d - time.Nanosecond), true},
		{"exactly d", now.Add(d), false},
		{"within slack", now.Add(d + 5*time.Second), false},
		{"at the slack edge", now.Add(d + 10*time.Second), false},
		{"lingers (a longer first-byte deadline)", now.Add(d + 10*time.Second + 1), true},
	} {
		at, move := due(c.at, now, d)
		if move != c.move {
			t.Errorf("%s: move = %v, want %v", c.name, move, c.move)
		}
		if move && !at.Equal(now.Add(d+10*time.Second)) {
			t.Errorf("%s: moved to %v, want now+d+d/16", c.name, at.Sub(now))
		}
		if !move && !at.Equal(c.at) {
			t.Errorf("%s: kept deadline changed", c.name)
		}
	}
}
