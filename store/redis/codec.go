package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// ms encodes t as unix milliseconds, "0" for the zero time.
func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// fromMS decodes ms; "0" or "" is the zero time. Times come back in UTC.
func fromMS(s string) time.Time {
	n := i64(s)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func i64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// verdict maps an admin script's reply (1 done, 0 missing, -1 taken,
// -3 not in the expected state) to an error.
func verdict(op string, cmd *redis.Cmd) error {
	n, err := cmd.Int64()
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: %s: %w", op, err)
	case n == 0:
		return fmt.Errorf("redisstore: %s: %w", op, store.ErrNotFound)
	case n == -3:
		return fmt.Errorf("redisstore: %s: %w", op, store.ErrConflict)
	case n < 0:
		return fmt.Errorf("redisstore: %s: %w", op, store.ErrExists)
	}
	return nil
}

// fields turns a script's {field, value, ...} reply into a map.
func fields(v any) (map[string]string, error) {
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		return nil, errReply
	}
	m := make(map[string]string, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		k, ok1 := a[i].(string)
		v, ok2 := a[i+1].(string)
		if !ok1 || !ok2 {
			return nil, errReply
		}
		m[k] = v
	}
	return m, nil
}

// list runs listScript over index with the given prefixes and returns the records.
func (s *Store) list(ctx context.Context, op, index, prefix, via string) ([]map[string]string, error) {
	v, err := listScript.run(ctx, s.c, []string{index}, prefix, via).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: %s: %w", op, err)
	}
	out := make([]map[string]string, 0, len(v))
	for _, r := range v {
		m, err := fields(r)
		if err != nil {
			return nil, fmt.Errorf("redisstore: %s: %w", op, err)
		}
		out = append(out, m)
	}
	return out, nil
}
