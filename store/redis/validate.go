package redisstore

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/token"
)

// checkWorkspace refuses ids that are not token.NewID ids: the id becomes a
// Redis hash tag, so a brace in it would move keys to another slot.
func checkWorkspace(id string) error {
	if !token.ValidID(id) {
		return fmt.Errorf("redisstore: invalid workspace id %q: want 12 base62 characters", id)
	}
	return nil
}

// checkPart refuses a name or id that cannot be part of a key or of the
// ",a,b," list of allowed upstreams.
func checkPart(what, s string) error {
	if s == "" || len(s) > 128 {
		return fmt.Errorf("redisstore: invalid %s %q: want 1 to 128 characters", what, s)
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune("{}:,/", r)
	}); i >= 0 {
		return fmt.Errorf("redisstore: invalid %s %q: character %q not allowed", what, s, s[i])
	}
	return nil
}

func checkLimits(rpm ...int64) error {
	for _, v := range rpm {
		if v < 0 {
			return fmt.Errorf("redisstore: invalid rate limit %d: want 0 (off) or more", v)
		}
	}
	return nil
}
