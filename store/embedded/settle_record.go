package embedded

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// Audit records of requests are stored in a binary form, a shape chosen
// for speed: encoding/json was a fifth of a settlement's CPU and most of
// its allocations. A value is recordV1, then the At in Unix nanoseconds
// (varint), the strings RequestID, TokenID, MemberID, Kind, Method, Route,
// Upstream, Model and Tool (each a uvarint length and its bytes), a flags
// byte (1 ToolCall, 2 Error), and the varints Status, the five token
// counts, Cost and Latency (ns). Records written as JSON by earlier
// versions (a value starting with '{') are still read.
const recordV1 = 1

// Flags of a binary record.
const (
	recToolCall = 1 << iota
	recError
)

var errRecord = errors.New("request record is malformed")

// appendRecord appends the binary form of rec to dst.
func appendRecord(dst []byte, rec *store.RequestRecord) []byte {
	dst = append(dst, recordV1)
	dst = binary.AppendVarint(dst, rec.At.UnixNano())
	for _, s := range [...]string{rec.RequestID, rec.TokenID, rec.MemberID, rec.Kind, rec.Method, rec.Route,
		rec.Upstream, rec.Model, rec.Tool} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	var flags byte
	if rec.ToolCall {
		flags |= recToolCall
	}
	if rec.Error {
		flags |= recError
	}
	dst = append(dst, flags)
	t := rec.Tokens
	for _, n := range [...]int64{int64(rec.Status), t.Input, t.Output, t.CachedRead, t.CachedWrite, t.Reasoning,
		rec.Cost, int64(rec.Latency)} {
		dst = binary.AppendVarint(dst, n)
	}
	return dst
}

// decodeRecord decodes a value of the requests bucket, binary or JSON. The
// strings of a binary record share one allocation.
func decodeRecord(v []byte) (store.RequestRecord, error) {
	var r store.RequestRecord
	if len(v) > 0 && v[0] == '{' {
		if err := json.Unmarshal(v, &r); err != nil {
			return r, fmt.Errorf("%w: %w", errRecord, err)
		}
		return r, nil
	}
	if len(v) == 0 || v[0] != recordV1 {
		return r, fmt.Errorf("%w: unknown form %x", errRecord, v[:min(len(v), 1)])
	}
	d := recordDecoder{s: string(v), i: 1}
	r.At = time.Unix(0, d.varint()).UTC()
	for _, p := range [...]*string{&r.RequestID, &r.TokenID, &r.MemberID, &r.Kind, &r.Method, &r.Route,
		&r.Upstream, &r.Model, &r.Tool} {
		*p = d.str()
	}
	flags := d.byte()
	r.ToolCall, r.Error = flags&recToolCall != 0, flags&recError != 0
	var status, latency int64
	for _, p := range [...]*int64{&status, &r.Tokens.Input, &r.Tokens.Output, &r.Tokens.CachedRead,
		&r.Tokens.CachedWrite, &r.Tokens.Reasoning, &r.Cost, &latency} {
		*p = d.varint()
	}
	r.Status, r.Latency = int(status), time.Duration(latency)
	if d.bad || d.i != len(d.s) || flags&^(recToolCall|recError) != 0 {
		return store.RequestRecord{}, fmt.Errorf("%w: %d bytes", errRecord, len(v))
	}
	return r, nil
}

// recordDecoder reads a binary record; bad is set at the first malformed
// field, after which every read returns zero.
type recordDecoder struct {
	s   string
	i   int
	bad bool
}

func (d *recordDecoder) varint() int64 {
	if d.bad {
		return 0
	}
	n, k := binary.Varint([]byte(d.s[d.i:min(len(d.s), d.i+binary.MaxVarintLen64)]))
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.i += k
	return n
}

func (d *recordDecoder) str() string {
	if d.bad {
		return ""
	}
	n, k := binary.Uvarint([]byte(d.s[d.i:min(len(d.s), d.i+binary.MaxVarintLen64)]))
	if k <= 0 || n > uint64(len(d.s)-d.i-k) {
		d.bad = true
		return ""
	}
	d.i += k
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *recordDecoder) byte() byte {
	if d.bad || d.i >= len(d.s) {
		d.bad = true
		return 0
	}
	d.i++
	return d.s[d.i-1]
}
