package meter

import (
	"sync"
	"testing"
)

// TestRecordCountsConcurrently: many goroutines lose no event.
func TestRecordCountsConcurrently(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				m.Record(&Event{Workspace: "w1", TokenID: "t" + string(rune('0'+g%2)), Upstream: "openai", Status: 200})
			}
		}(g)
	}
	wg.Wait()
	m.Record(&Event{Workspace: "w2", TokenID: "t0", Upstream: "openai", Status: 502})
	got := m.Counts("w1")
	if len(got) != 2 || got[0].Requests != 5000 || got[1].Requests != 5000 || got[0].Class != "2xx" {
		t.Fatalf("counts = %+v", got)
	}
	if w2 := m.Counts("w2"); len(w2) != 1 || w2[0].Class != "5xx" {
		t.Fatalf("w2 counts = %+v", w2)
	}
}

func BenchmarkRecord(b *testing.B) {
	m := New()
	e := &Event{Workspace: "w", TokenID: "t", Upstream: "u", Status: 200}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Record(e)
		}
	})
}
