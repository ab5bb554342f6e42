package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// defaultPage is the page size of a query whose Limit is 0.
const defaultPage = 100

// ledgerScript pages the ledger newest first. KEYS ws; ARGV max score,
// min score, cursor score ("" none), cursor id, count. The ledger is
// scored by ms and equal scores order by id, so a page resumes after
// (score, id). Reply {"0"} without the workspace, else {"1", then id, "e"
// or "u", value, score per entry}; "e" values are "<at µs> <balance>
// <json>", "u" values the usage row's amount.
var ledgerScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0'} end
local tag = string.sub(KEYS[1], 1, -4)
local lk, ek, uk = tag .. ':ledger', tag .. ':ledger:e', tag .. ':ledger:u'
local hi, lo, cs, cid, count = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
if cs then hi = ARGV[3] end
local out, off, n = {'1'}, 0, 0
while n < count do
  local page = redis.call('ZREVRANGEBYSCORE', lk, hi, lo, 'WITHSCORES', 'LIMIT', off, 256)
  if #page == 0 then break end
  off = off + #page / 2
  for i = 1, #page, 2 do
    local id, sc = page[i], page[i + 1]
    if not (cs and tonumber(sc) == cs and id >= cid) then
      local v, k = redis.call('HGET', ek, id), 'e'
      if not v then v, k = redis.call('HGET', uk, id), 'u' end
      if v then
        out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = id, k, v, sc
        n = n + 1
        if n >= count then break end
      end
    end
  end
end
return out`)

// Transactions returns the workspace's ledger newest first; see
// store.Money. The cursor is "<ms>:<id>" of the last entry returned, and
// is "" on the last page. Times are compared to the millisecond.
func (s *Store) Transactions(ctx context.Context, workspace string, q store.TxQuery) ([]store.Transaction, string, error) {
	if checkWorkspace(workspace) != nil {
		return nil, "", fmt.Errorf("redisstore: transactions: workspace %q: %w", workspace, store.ErrNotFound)
	}
	limit, err := pageLimit("transactions", q.Limit)
	if err != nil {
		return nil, "", err
	}
	cs, cid := "", ""
	if q.Cursor != "" {
		var ok bool
		if cs, cid, ok = strings.Cut(q.Cursor, ":"); !ok || cid == "" || !isInt(cs) {
			return nil, "", fmt.Errorf("redisstore: transactions: bad cursor %q", q.Cursor)
		}
	}
	hi, lo := scoreRange(q.Since, q.Until)
	v, err := ledgerScript.run(ctx, s.c, []string{wsKey(workspace)}, hi, lo, cs, cid, limit+1).StringSlice()
	if v, err = found(v, err); err != nil {
		return nil, "", fmt.Errorf("redisstore: transactions: workspace %s: %w", workspace, err)
	}
	out := make([]store.Transaction, 0, min(len(v)/4, limit))
	next := ""
	for i := 0; i+3 < len(v); i += 4 {
		if len(out) == limit {
			last := v[i-4]
			next = v[i-1] + ":" + last
			break
		}
		tx, err := decodeTx(v[i], v[i+1], v[i+2])
		if err != nil {
			return nil, "", fmt.Errorf("redisstore: transactions: entry %s: %w", v[i], err)
		}
		out = append(out, tx)
	}
	return out, next, nil
}

// decodeTx decodes one ledger entry of ledgerScript's reply.
func decodeTx(id, kind, v string) (store.Transaction, error) {
	if kind == "u" {
		hour, who, _ := strings.Cut(id, ":")
		k, ref, _ := strings.Cut(who, ":")
		tx := store.Transaction{ID: id, Kind: store.TxUsage, Amount: i64(v), At: time.Unix(i64(hour), 0).UTC()}
		if k == "m" {
			tx.Member = ref
		} else {
			tx.Key = ref
		}
		return tx, nil
	}
	at, rest, ok1 := strings.Cut(v, " ")
	bal, j, ok2 := strings.Cut(rest, " ")
	var tx store.Transaction
	if !ok1 || !ok2 {
		return tx, errReply
	}
	if err := json.Unmarshal([]byte(j), &tx); err != nil {
		return tx, err
	}
	tx.At, tx.Balance = time.UnixMicro(i64(at)).UTC(), i64(bal)
	return tx, nil
}

// pageLimit returns a query's page size: limit, or defaultPage for 0.
func pageLimit(op string, limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, fmt.Errorf("redisstore: %s: invalid limit %d: want 0 (%d) or more", op, limit, defaultPage)
	case limit == 0:
		return defaultPage, nil
	}
	return limit, nil
}

// scoreRange returns the ZRANGEBYSCORE bounds, in ms, of [since, until);
// a zero time is unbounded.
func scoreRange(since, until time.Time) (hi, lo string) {
	hi, lo = "+inf", "-inf"
	if !since.IsZero() {
		lo = strconv.FormatInt(since.UnixMilli(), 10)
	}
	if !until.IsZero() {
		hi = "(" + strconv.FormatInt(until.UnixMilli(), 10)
	}
	return hi, lo
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// found strips the leading "1" of a read script's reply; "0" means the
// workspace does not exist (ErrNotFound).
func found(v []string, err error) ([]string, error) {
	switch {
	case err != nil:
		return nil, err
	case len(v) == 0:
		return nil, errReply
	case v[0] == "0":
		return nil, store.ErrNotFound
	}
	return v[1:], nil
}
