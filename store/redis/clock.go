package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// timeScript reads the store's clock. Scripts are the one way the Client
// interface runs a command that it does not list.
var timeScript = newScript(`return redis.call('TIME')`)

// clock returns the store's time: Options.Now in tests, else Redis TIME.
// Admin paths use it to fill a record's zero time.
func (s *Store) clock(ctx context.Context) (time.Time, error) {
	if s.now != nil {
		return s.now().UTC(), nil
	}
	v, err := timeScript.run(ctx, s.c, nil).Int64Slice()
	if err != nil || len(v) != 2 {
		return time.Time{}, fmt.Errorf("redisstore: TIME: %w", errors.Join(err, errReplyIf(len(v) != 2)))
	}
	return time.Unix(v[0], v[1]*1000).UTC(), nil
}
