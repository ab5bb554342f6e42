package embedded

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
func capDiskKey(k capKey) []byte { return appendCapDiskKey(nil, k) }

// appendCapDiskKey appends k's key in the caps bucket to dst.
func appendCapDiskKey(dst []byte, k capKey) []byte {
	dst = appendTimeKey(dst, time.Unix(k.period, 0))
	dst = append(dst, byte(k.scope))
	dst = append(dst, k.id...)
	dst = append(dst, 0)
	return append(dst, k.model...)
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

// usageKey is the key of rec's roll-up row in hour.
func usageKey(hour time.Time, rec *store.RequestRecord) []byte { return appendUsageKey(nil, hour, rec) }

// appendUsageKey appends the key of rec's roll-up row in hour to dst. A
// NUL inside a dimension (which none should have) is dropped so the key
// still parses.
func appendUsageKey(dst []byte, hour time.Time, rec *store.RequestRecord) []byte {
	dst = appendTimeKey(dst, hour)
	for i, s := range [...]string{rec.TokenID, rec.Model, rec.Tool, rec.Upstream, rec.MemberID, rec.Kind} {
		if i > 0 {
			dst = append(dst, 0)
		}
		if strings.IndexByte(s, 0) >= 0 {
			s = strings.ReplaceAll(s, "\x00", "")
		}
		dst = append(dst, s...)
	}
	return dst
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
