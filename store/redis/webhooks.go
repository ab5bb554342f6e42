package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// deliveriesCap bounds the deliveries kept per workspace; the oldest go
// first, as do those older than the request retention.
const deliveriesCap = 1000

// createWebhookScript: KEYS ws; ARGV id, json. {w:W}:webhooks is a hash
// of id to the webhook's JSON, kept like the workspace's other settings.
var createWebhookScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', string.sub(KEYS[1], 1, -4) .. ':webhooks', ARGV[1], ARGV[2]) == 0 then return -1 end
return 1`)

// CreateWebhook stores a receiver of an existing workspace, filling an
// empty ID (token.NewID) and a zero CreatedAt (the store's clock).
// ErrExists if the id is taken, ErrNotFound without the workspace.
func (s *Store) CreateWebhook(ctx context.Context, w *store.Webhook) error {
	switch {
	case w == nil:
		return errors.New("redisstore: nil webhook")
	case w.URL == "":
		return fmt.Errorf("redisstore: webhook %q has no url", w.ID)
	}
	if checkWorkspace(w.WorkspaceID) != nil {
		return fmt.Errorf("redisstore: create webhook: workspace %q: %w", w.WorkspaceID, store.ErrNotFound)
	}
	if w.ID == "" {
		w.ID = token.NewID()
	} else if err := checkPart("webhook id", w.ID); err != nil {
		return err
	}
	if w.CreatedAt.IsZero() {
		now, err := s.clock(ctx)
		if err != nil {
			return err
		}
		w.CreatedAt = now
	}
	j, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("redisstore: create webhook: %w", err)
	}
	return verdict("create webhook", createWebhookScript.run(ctx, s.c, []string{wsKey(w.WorkspaceID)}, w.ID, j))
}

// webhooksScript: KEYS ws. Reply {"0"} without the workspace, else {"1",
// json, ...}.
var webhooksScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local out = redis.call('HVALS', string.sub(KEYS[1], 1, -4) .. ':webhooks')
table.insert(out, 1, '1')
return out`)

// ListWebhooks returns the workspace's receivers ordered by ID, secrets
// included (the storage form). ErrNotFound without the workspace.
func (s *Store) ListWebhooks(ctx context.Context, workspace string) ([]store.Webhook, error) {
	if checkWorkspace(workspace) != nil {
		return nil, fmt.Errorf("redisstore: list webhooks: workspace %q: %w", workspace, store.ErrNotFound)
	}
	v, err := found(webhooksScript.run(ctx, s.c, []string{wsKey(workspace)}).StringSlice())
	if err != nil {
		return nil, fmt.Errorf("redisstore: list webhooks: workspace %s: %w", workspace, err)
	}
	out := make([]store.Webhook, len(v))
	for i, j := range v {
		if err := json.Unmarshal([]byte(j), &out[i]); err != nil {
			return nil, fmt.Errorf("redisstore: list webhooks: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b store.Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// deleteWebhookScript: KEYS ws; ARGV id.
var deleteWebhookScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HDEL', string.sub(KEYS[1], 1, -4) .. ':webhooks', ARGV[1])`)

// DeleteWebhook removes a receiver; its deliveries stay until they age
// out. ErrNotFound when absent.
func (s *Store) DeleteWebhook(ctx context.Context, workspace, id string) error {
	if checkWorkspace(workspace) != nil {
		return fmt.Errorf("redisstore: delete webhook: workspace %q: %w", workspace, store.ErrNotFound)
	}
	return verdict("delete webhook "+id, deleteWebhookScript.run(ctx, s.c, []string{wsKey(workspace)}, id))
}
