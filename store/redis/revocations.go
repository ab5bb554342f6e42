package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
)

// RevocationChannel is the Redis pub/sub channel of revocations: each
// message is the JSON of one store.Revocation.
const RevocationChannel = "tollgate:revocations"

// revocationBuffer is the capacity of a subscriber's channel, and of the
// go-redis channel behind it.
const revocationBuffer = 256

// publishArgs returns the script arguments that make a write script PUBLISH
// r on RevocationChannel after its write: the channel and the message.
// Publishing inside the script makes the write and the message one step, so
// no write that succeeded goes unannounced for a failed second round trip.
func publishArgs(r store.Revocation) []any {
	j, _ := json.Marshal(r) // three strings: cannot fail
	return []any{RevocationChannel, j}
}

// Revocations SUBSCRIBEs to RevocationChannel and returns the revocations
// published by every replica (see store.Tools): RevokeToken publishes the
// token (every successful call, also of a token revoked before), PutMember
// the member when it turns from active and not a reader into removed or a
// reader, DeleteWorkspace the whole workspace, each from the script that
// writes. It returns once Redis confirmed the subscription, so a write made
// after it returns is delivered. On Redis Cluster the subscription lives on
// one node and PUBLISH reaches every node.
//
// Delivery is best effort: go-redis re-subscribes after a lost connection,
// and messages published while it was down are lost (the gateway re-checks
// long streams for this reason); a subscriber that stops reading holds up
// its go-redis channel, which drops a message after a minute. Malformed
// messages are skipped. The channel closes when ctx ends or the store
// closes.
func (s *Store) Revocations(ctx context.Context) (<-chan store.Revocation, error) {
	select {
	case <-s.done:
		return nil, errClosed
	default:
	}
	ps := s.c.Subscribe(ctx, RevocationChannel)
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		_ = ps.Close()
		return nil, fmt.Errorf("redisstore: subscribe to revocations: %w", err)
	}
	out := make(chan store.Revocation, revocationBuffer)
	go s.forward(ctx, ps, out)
	return out, nil
}

// forward decodes ps's messages into out until ctx ends or the store
// closes, then closes ps and out.
func (s *Store) forward(ctx context.Context, ps *redis.PubSub, out chan<- store.Revocation) {
	defer close(out)
	defer ps.Close()
	in := ps.Channel(redis.WithChannelSize(revocationBuffer))
	for {
		var m *redis.Message
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case m = <-in:
			if m == nil {
				return
			}
		}
		var r store.Revocation
		if json.Unmarshal([]byte(m.Payload), &r) != nil || r.Workspace == "" {
			continue
		}
		select {
		case out <- r:
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}
