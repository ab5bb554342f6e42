package embedded

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// sampleRecord has every field set, with bytes a text form would escape.
func sampleRecord() store.RequestRecord {
	return store.RequestRecord{At: time.Date(2027, 3, 1, 12, 0, 30, 123456789, time.UTC), RequestID: "rid-1",
		TokenID: "tok", MemberID: "mem", Kind: "member", Method: "POST", Route: "/mcp/a b\x00\"é\n",
		Upstream: "mcp", Model: "gpt-4o", Tool: "search", ToolCall: true, Status: 502, Error: true,
		Tokens: store.Tokens{Input: 1, Output: 1 << 40, CachedRead: 3, CachedWrite: 4, Reasoning: 5},
		Cost:   1 << 52, Latency: 250 * time.Millisecond}
}

// TestRecordRoundTrip: the binary audit record decodes to the record
// written, field for field, so switching from JSON loses nothing.
func TestRecordRoundTrip(t *testing.T) {
	for _, r := range []store.RequestRecord{sampleRecord(), {At: time.Unix(0, 0).UTC()}} {
		got, err := decodeRecord(appendRecord(nil, &r))
		if err != nil || got != r {
			t.Fatalf("round trip: %+v, %v; want %+v", got, err, r)
		}
	}
}

// TestRecordReadsJSON: records an earlier version wrote as JSON are still
// read, so an upgrade keeps the audit trail.
func TestRecordReadsJSON(t *testing.T) {
	r := sampleRecord()
	data, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(data)
	if err != nil || !got.At.Equal(r.At) {
		t.Fatalf("JSON record: %+v, %v; want %+v", got, err, r)
	}
	got.At = r.At
	if got != r {
		t.Fatalf("JSON record: %+v, want %+v", got, r)
	}
}

// TestRecordRefusesMalformed: a truncated, padded or unknown value is an
// error naming the record, never a zero record taken for a real one.
func TestRecordRefusesMalformed(t *testing.T) {
	r := sampleRecord()
	v := appendRecord(nil, &r)
	for name, bad := range map[string][]byte{
		"empty": {}, "unknown form": {9, 1, 2}, "truncated": v[:len(v)-1], "padded": append(v[:len(v):len(v)], 0),
		"bad flags": flagsSet(v, 0x80), "bad JSON": []byte("{not json"),
	} {
		if _, err := decodeRecord(bad); !errors.Is(err, errRecord) {
			t.Errorf("%s: error %v, want errRecord", name, err)
		}
	}
}

// flagsSet returns a copy of the binary record v with extra flag bits.
func flagsSet(v []byte, bits byte) []byte {
	r, _ := decodeRecord(v)
	v = appendRecord(nil, &store.RequestRecord{At: r.At, RequestID: r.RequestID, TokenID: r.TokenID,
		MemberID: r.MemberID, Kind: r.Kind, Method: r.Method, Route: r.Route, Upstream: r.Upstream, Model: r.Model,
		Tool: r.Tool})
	// The flags byte follows the strings; with every number after it one
	// byte long (zero), it is the ninth byte from the end.
	v[len(v)-9] |= bits
	return v
}

// FuzzDecodeRecord: any value decodes or fails without panicking, and a
// value that decodes re-encodes to itself (binary) so nothing is lost.
func FuzzDecodeRecord(f *testing.F) {
	r := sampleRecord()
	f.Add(appendRecord(nil, &r))
	f.Add(appendRecord(nil, &store.RequestRecord{}))
	data, _ := json.Marshal(&r)
	f.Add(data)
	f.Fuzz(func(t *testing.T, v []byte) {
		got, err := decodeRecord(v)
		if err != nil || len(v) == 0 || v[0] != recordV1 {
			return
		}
		again, err := decodeRecord(appendRecord(nil, &got))
		if err != nil || again != got {
			t.Fatalf("re-encoding %+v gave %+v, %v", got, again, err)
		}
	})
}
