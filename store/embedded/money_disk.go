package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// Layout of the money records, inside each workspace's bucket (see
// persist.go). Integers are 8 bytes big-endian; a "time key" is auditKey's
// form (Unix nanoseconds with the sign bit flipped, then a suffix), so byte
// order is time order.
//
//	credits                      int64 balance, µc
//	ledger/<time key At><id>     store.Transaction
//	ledger_ids/<id>              its ledger key (explicit transactions)
//	usage/<time key hour><token>\0<model>\0<tool>\0<upstream>\0<member>\0<kind>
//	                             the row's figures, usageFieldN int64s
//	requests/<time key At><seq>  store.RequestRecord (seq: the bucket's sequence)
//	settled/<request id>         int64 expiry of the marker, Unix ns
//	settled_exp/<time key expiry><request id>   empty, to sweep the markers
//	caps/<time key period start><scope byte><id>\0<model>
//	                             int64 spent (µc or tokens), then 1 byte notice
//	webhooks/<id>                store.Webhook
//	deliveries/<time key At><id> store.Delivery
//	delivery_ids/<id>            its deliveries key
//
// and at the top level, vouchers/<id> (voucherRecord) and
// voucher_hashes/<hash> (<id>). Every bucket is created on first write.
var (
	keyCredits         = []byte("credits")
	bucketLedger       = []byte("ledger")
	bucketLedgerIDs    = []byte("ledger_ids")
	bucketUsage        = []byte("usage")
	bucketRequests     = []byte("requests")
	bucketSettled      = []byte("settled")
	bucketSettledExp   = []byte("settled_exp")
	bucketCaps         = []byte("caps")
	bucketWebhooks     = []byte("webhooks")
	bucketDeliveries   = []byte("deliveries")
	bucketDeliveryIDs  = []byte("delivery_ids")
	bucketVouchers     = []byte("vouchers")
	bucketVoucherHashs = []byte("voucher_hashes")
)

// getInt reads the int64 at k in b; 0 when absent.
func getInt(b *bolt.Bucket, k []byte) int64 {
	if v := b.Get(k); len(v) >= 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// putInt writes v at k in b.
func putInt(b *bolt.Bucket, k []byte, v int64) error {
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(v)))
}

// putJSON writes v as JSON at k in b.
func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// timeOf decodes the time at the start of a time key.
func timeOf(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k)^(1<<63))).UTC()
}

// capDiskKey is k's key in the caps bucket.
func capDiskKey(k capKey) []byte {
	key := auditKey(time.Unix(k.period, 0), "")
	key = append(key, byte(k.scope))
	key = append(key, k.id...)
	key = append(key, 0)
	return append(key, k.model...)
}

// parseCapKey decodes a key of the caps bucket.
func parseCapKey(key []byte) (capKey, error) {
	if len(key) < 10 {
		return capKey{}, fmt.Errorf("cap key %q is too short", key)
	}
	id, model, ok := bytes.Cut(key[9:], []byte{0})
	if !ok {
		return capKey{}, fmt.Errorf("cap key %q has no model separator", key)
	}
	return capKey{scope: limiter.Scope(key[8]), id: string(id), model: string(model), period: timeOf(key).Unix()}, nil
}

// addCapSpend adds delta to the spend of cap k.
func addCapSpend(ws *bolt.Bucket, k capKey, delta int64) error {
	b, err := ws.CreateBucketIfNotExists(bucketCaps)
	if err != nil {
		return err
	}
	key := capDiskKey(k)
	v := make([]byte, 9)
	copy(v, b.Get(key))
	binary.BigEndian.PutUint64(v, uint64(getInt(b, key)+delta))
	return b.Put(key, v)
}

// markSettled records request id as settled at now, unless it already is:
// it reports whether it was not.
func markSettled(ws *bolt.Bucket, id string, now time.Time) (bool, error) {
	b, err := ws.CreateBucketIfNotExists(bucketSettled)
	if err != nil {
		return false, err
	}
	if b.Get([]byte(id)) != nil {
		return false, nil
	}
	exp := now.Add(markerTTL)
	if err := putInt(b, []byte(id), exp.UnixNano()); err != nil {
		return false, err
	}
	idx, err := ws.CreateBucketIfNotExists(bucketSettledExp)
	if err != nil {
		return false, err
	}
	return true, idx.Put(auditKey(exp, id), nil)
}

// usageKey is the key of rec's roll-up row in hour. A NUL inside a
// dimension (which none should have) is dropped so the key still parses.
func usageKey(hour time.Time, rec *store.RequestRecord) []byte {
	k := auditKey(hour, "")
	for i, s := range [...]string{rec.TokenID, rec.Model, rec.Tool, rec.Upstream, rec.MemberID, rec.Kind} {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, strings.ReplaceAll(s, "\x00", "")...)
	}
	return k
}

// usageFields are the figures of a roll-up row in the order of its value:
// usageFieldN int64s, big-endian. The dimensions are in the key.
const usageFieldN = 9

func usageFields(r *store.UsageRow) [usageFieldN]*int64 {
	t := &r.Tokens
	return [...]*int64{&r.Requests, &r.ToolCalls, &r.Errors, &t.Input, &t.Output, &t.CachedRead, &t.CachedWrite, &t.Reasoning, &r.Credits}
}

// decodeUsage decodes a row of the usage bucket.
func decodeUsage(k, v []byte) (store.UsageRow, error) {
	if len(k) < 8 {
		return store.UsageRow{}, fmt.Errorf("usage row %x is malformed", k)
	}
	dims := strings.Split(string(k[8:]), "\x00")
	if len(dims) != 6 || len(v) != 8*usageFieldN {
		return store.UsageRow{}, fmt.Errorf("usage row %x is malformed", k)
	}
	r := store.UsageRow{Hour: timeOf(k), TokenID: dims[0], Model: dims[1], Tool: dims[2], Upstream: dims[3], MemberID: dims[4], Kind: dims[5]}
	for i, f := range usageFields(&r) {
		*f = int64(binary.BigEndian.Uint64(v[8*i:]))
	}
	return r, nil
}

// addUsage adds rec, charged cost, to its roll-up row of hour.
func addUsage(ws *bolt.Bucket, hour time.Time, rec *store.RequestRecord, cost int64) error {
	b, err := ws.CreateBucketIfNotExists(bucketUsage)
	if err != nil {
		return err
	}
	key := usageKey(hour, rec)
	var add store.UsageRow
	add.Requests, add.Tokens, add.Credits = 1, rec.Tokens, cost
	if rec.ToolCall {
		add.ToolCalls = 1
	}
	if rec.Error {
		add.Errors = 1
	}
	old := b.Get(key)
	if old != nil && len(old) != 8*usageFieldN {
		return fmt.Errorf("usage row %x is malformed", key)
	}
	v := make([]byte, 8*usageFieldN)
	for i, f := range usageFields(&add) {
		n := *f
		if old != nil {
			n += int64(binary.BigEndian.Uint64(old[8*i:]))
		}
		binary.BigEndian.PutUint64(v[8*i:], uint64(n))
	}
	return b.Put(key, v)
}

// usageTxID is the id of the ledger's usage row of hour for rec's member
// (member tokens) or key.
func usageTxID(hour time.Time, rec *store.RequestRecord) (id, member, key string) {
	h := strconv.FormatInt(hour.Unix(), 10)
	if rec.Kind == "member" {
		return h + ":m:" + rec.MemberID, rec.MemberID, ""
	}
	return h + ":k:" + rec.TokenID, "", rec.TokenID
}

// addLedgerUsage subtracts cost from the ledger's usage row of hour for
// rec's member or key, making the row on its first non-zero charge.
func addLedgerUsage(ws *bolt.Bucket, hour time.Time, rec *store.RequestRecord, cost int64) error {
	if cost == 0 {
		return nil
	}
	b, err := ws.CreateBucketIfNotExists(bucketLedger)
	if err != nil {
		return err
	}
	id, member, keyID := usageTxID(hour, rec)
	key := auditKey(hour, id)
	tx := store.Transaction{ID: id, Kind: store.TxUsage, Member: member, Key: keyID, At: hour}
	if v := b.Get(key); v != nil {
		if err := json.Unmarshal(v, &tx); err != nil {
			return fmt.Errorf("decode ledger row %q: %w", key, err)
		}
	}
	tx.Amount -= cost
	return putJSON(b, key, &tx)
}

// putRequest appends rec to the audit trail of requests.
func putRequest(ws *bolt.Bucket, rec *store.RequestRecord) error {
	b, err := ws.CreateBucketIfNotExists(bucketRequests)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	key := binary.BigEndian.AppendUint64(auditKey(rec.At, ""), seq)
	return putJSON(b, key, rec)
}
