package mcp

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// benchEvents is the number of events in each benchmark stream.
const benchEvents = 200

// benchStream returns a tools/call SSE answer as a go-sdk server writes it:
// benchEvents-1 progress notifications then the result, one event per
// chunk as a proxy reads them from a flushing upstream; with list, the
// result answers a tools/list instead.
func benchStream(list bool) [][]byte {
	var chunks [][]byte
	for i := range benchEvents - 1 {
		chunks = append(chunks, fmt.Appendf(nil, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"progress-1\",\"message\":\"indexing src/pkg/file_%03d.go\",\"progress\":%d,\"total\":%d}}\n\n", i, i+1, benchEvents))
	}
	last := `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"` + strings.Repeat("match ", 40) + `"}],"structuredContent":{"matches":40}}}`
	if list {
		var tools []string
		for i := range 30 {
			tools = append(tools, fmt.Sprintf(`{"name":"tool_%02d","description":"Does thing %d","inputSchema":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}`, i, i))
		}
		tools = append(tools, `{"name":"delete_repo","inputSchema":{"type":"object"}}`)
		last = `{"jsonrpc":"2.0","id":7,"result":{"tools":[` + strings.Join(tools, ",") + `]}}`
	}
	return append(chunks, []byte("event: message\ndata: "+last+"\n\n"))
}

// BenchmarkStream measures the response path: bytes/s through Process and
// allocations per event (0 in steady state), for a stream with nothing to
// watch, one watching a tools/call's outcome (also under a policy, which
// holds each response until it shows no result.tools), one holding a tools/list
// answer to filter while notifications pass, and a 2024-11-05 GET stream
// with a Tracker.
func BenchmarkStream(b *testing.B) {
	pol, _ := ParsePolicy("p", nil, []string{"delete_*"})
	call := mustInspect(b, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search"}}`)
	list := mustInspect(b, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
	for _, tc := range []struct {
		name    string
		pending Pending
		list    bool
		tracker bool
	}{
		{"unwatched", Pending{}, false, false},
		{"tools_call", Pending{Calls: call}, false, false},
		{"tools_call_policy", Pending{Calls: call, Policy: pol}, false, false}, // every response held until it shows no result.tools
		{"tools_list", Pending{Calls: list, Policy: pol}, true, false},
		{"get_2024_tracker", Pending{Policy: pol}, false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			chunks := benchStream(tc.list)
			n := 0
			for _, c := range chunks {
				n += len(c)
			}
			var s Stream
			var tr Tracker
			scratch := make([]byte, 0, 16<<10)
			observed := 0
			runOnce := func() {
				p := tc.pending
				if tc.tracker {
					_ = tr.Add(call, noSkip, func(int) int { return 1 })
					p.Tracker = &tr
				}
				s.Reset(p)
				for _, c := range chunks {
					s.Process(scratch[:0], c)
					observed += len(s.Observed())
				}
				s.Flush(scratch[:0])
			}
			runOnce()
			if tc.name != "unwatched" && tc.name != "tools_list" && observed != 1 {
				b.Fatalf("observed %d outcomes", observed)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				runOnce()
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*benchEvents), "allocs/event")
		})
	}
}

// BenchmarkInspect measures reading a POSTed tools/call and a batch.
func BenchmarkInspect(b *testing.B) {
	for name, body := range map[string]string{
		"tools_call": `{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"search_issues","arguments":{"q":"is:open label:bug","limit":20},"_meta":{"progressToken":"p-12"}}}`,
		"batch":      `[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a","arguments":{}}},{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}]`,
	} {
		b.Run(name, func(b *testing.B) {
			dst, raw := make([]Call, 0, 4), []byte(body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Inspect(raw, dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPolicyAllows measures a three-layer policy decision.
func BenchmarkPolicyAllows(b *testing.B) {
	base, _ := ParsePolicy("ws", []string{"get_*", "list_*", "search_*", "create_issue"}, []string{"*_admin", "delete_*"})
	role, _ := ParsePolicy("role", nil, []string{"create_*"})
	key, _ := ParsePolicy("key", []string{"search_*", "get_*"}, nil)
	p := Narrow(base, role, key)
	b.ReportAllocs()
	for b.Loop() {
		p.Allows("search_code")
	}
}

// BenchmarkFilterToolsList measures filtering go-sdk's recorded tools/list
// answer.
func BenchmarkFilterToolsList(b *testing.B) {
	sse, err := os.ReadFile("../testdata/mcp/2025-06-18/03.resp")
	if err != nil {
		b.Fatal(err)
	}
	data := sse[strings.Index(string(sse), "data: ")+len("data: ") : strings.LastIndex(string(sse), "\n\n")]
	pol, _ := ParsePolicy("p", nil, []string{"delete_*"})
	dst := make([]byte, 0, 2*len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		FilterToolsList(dst[:0], data, pol.Allows)
	}
}

// BenchmarkOutcome measures reading a tool call's outcome from a JSON
// answer.
func BenchmarkOutcome(b *testing.B) {
	msg := []byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"` + strings.Repeat("match ", 40) + `"}],"structuredContent":{"matches":40},"isError":false}}`)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		Outcome(msg)
	}
}
