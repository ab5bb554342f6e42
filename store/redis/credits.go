package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// creditsSweep bounds the expired holds one Credits call settles first.
const creditsSweep = 64

// creditsScript settles up to creditsSweep expired holds, then reads the
// balance. KEYS ws; ARGV request retention (ms), now (µs or ""). Reply
// "-1" without the workspace, else "balance held".
var creditsScript = moneyScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '-1' end
local tag, now = string.sub(KEYS[1], 1, -4), clock()
if due(redis.call('HGET', tag .. ':credits', 'nx'), now) then
  settler().sweep_pending(tag, now, tonumber(ARGV[1]), ` + itoa(creditsSweep) + `)
end
local c = redis.call('HMGET', tag .. ':credits', 'bal', 'held')
return (c[1] or '0') .. ' ' .. (c[2] or '0')`)

// Credits returns the workspace's balance and held credits, after settling
// a few holds that expired (so a balance reads right after a replica died
// holding). ErrNotFound if the workspace does not exist.
func (s *Store) Credits(ctx context.Context, workspace string) (store.Credits, error) {
	if checkWorkspace(workspace) != nil {
		return store.Credits{}, fmt.Errorf("redisstore: credits: workspace %q: %w", workspace, store.ErrNotFound)
	}
	v, err := creditsScript.run(ctx, s.c, []string{wsKey(workspace)}, s.retention, s.nowArg()).Text()
	if err != nil {
		return store.Credits{}, fmt.Errorf("redisstore: credits: %w", err)
	}
	if v == "-1" {
		return store.Credits{}, fmt.Errorf("redisstore: credits: workspace %s: %w", workspace, store.ErrNotFound)
	}
	var x [2]int64
	if !parseInts(v, x[:]) {
		return store.Credits{}, fmt.Errorf("redisstore: credits: %w", errReply)
	}
	return store.Credits{Balance: x[0], Held: x[1]}, nil
}

// creditScript appends one explicit transaction and moves the balance by
// its amount. KEYS ws; ARGV id, now (µs or ""), amount, the transaction's
// JSON without time and balance. The ledger keeps it in {w:W}:ledger:e as
// "<at µs> <balance after> <json>" and in {w:W}:ledger scored by ms. Reply
// "0" without the workspace, "-1" when the id is in the ledger, else
// "1 at balance low auto".
var creditScript = moneyScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return '0' end
local tag = string.sub(KEYS[1], 1, -4)
if redis.call('HEXISTS', tag .. ':ledger:e', ARGV[1]) == 1 then return '-1' end
local now, ck = clock(), tag .. ':credits'
local before = tonumber(redis.call('HGET', ck, 'bal') or '0')
redis.call('HINCRBY', ck, 'bal', ARGV[3])
local bal, al = settler().alerts(tag, before)
redis.call('HSET', tag .. ':ledger:e', ARGV[1], fmt(now) .. ' ' .. fmt(bal) .. ' ' .. ARGV[4])
redis.call('ZADD', tag .. ':ledger', fmt(math.floor(now / 1000)), ARGV[1])
return '1 ' .. fmt(now) .. ' ' .. fmt(bal) .. ' ' .. al`)

// AddCredits appends tx to the ledger and moves the balance, in one
// script; see store.Money. A top-up must be positive, an adjustment not
// zero. ErrExists when tx.ID is in the ledger, ErrNotFound without the
// workspace.
func (s *Store) AddCredits(ctx context.Context, workspace string, tx *store.Transaction) (store.CreditAlerts, error) {
	if tx == nil {
		return store.CreditAlerts{}, fmt.Errorf("redisstore: add credits: nil transaction")
	}
	switch {
	case tx.Kind != store.TxTopUp && tx.Kind != store.TxAdjustment:
		return store.CreditAlerts{}, fmt.Errorf("redisstore: add credits: kind %q: want %q or %q", tx.Kind, store.TxTopUp, store.TxAdjustment)
	case tx.Kind == store.TxTopUp && tx.Amount <= 0:
		return store.CreditAlerts{}, fmt.Errorf("redisstore: add credits: top-up of %d µc: want a positive amount", tx.Amount)
	case tx.Amount == 0:
		return store.CreditAlerts{}, fmt.Errorf("redisstore: add credits: adjustment of 0 µc: want a non-zero amount")
	}
	if checkWorkspace(workspace) != nil {
		return store.CreditAlerts{}, fmt.Errorf("redisstore: add credits: workspace %q: %w", workspace, store.ErrNotFound)
	}
	if tx.ID == "" {
		tx.ID = token.NewID()
	} else if err := checkPart("transaction id", tx.ID); err != nil {
		return store.CreditAlerts{}, err
	}
	return s.credit(ctx, "add credits", workspace, tx)
}

// credit runs creditScript for tx and fills its At and Balance.
func (s *Store) credit(ctx context.Context, op, workspace string, tx *store.Transaction) (store.CreditAlerts, error) {
	body := *tx
	body.At, body.Balance = time.Time{}, 0
	j, err := json.Marshal(&body)
	if err != nil {
		return store.CreditAlerts{}, fmt.Errorf("redisstore: %s: %w", op, err)
	}
	v, err := creditScript.run(ctx, s.c, []string{wsKey(workspace)}, tx.ID, s.nowArg(), tx.Amount, j).Text()
	switch {
	case err != nil:
		return store.CreditAlerts{}, fmt.Errorf("redisstore: %s: %w", op, err)
	case v == "0":
		return store.CreditAlerts{}, fmt.Errorf("redisstore: %s: workspace %s: %w", op, workspace, store.ErrNotFound)
	case v == "-1":
		return store.CreditAlerts{}, fmt.Errorf("redisstore: %s: transaction %s: %w", op, tx.ID, store.ErrExists)
	}
	var x [5]int64
	if !parseInts(v, x[:]) || x[0] != 1 {
		return store.CreditAlerts{}, fmt.Errorf("redisstore: %s: %w", op, errReply)
	}
	tx.At, tx.Balance = time.UnixMicro(x[1]).UTC(), x[2]
	return store.CreditAlerts{LowBalance: x[3] == 1, AutoTopUp: x[4] == 1}, nil
}
