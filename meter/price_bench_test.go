package meter

import (
	"fmt"
	"strings"
	"testing"
)

// benchTable is a realistic table: 200 exact models and 20 patterns.
func benchTable(b *testing.B) *Table {
	var sb strings.Builder
	sb.WriteString("  models:\n")
	for i := range 200 {
		fmt.Fprintf(&sb, "    model-%d: {input: 2.5, output: 10}\n", i)
	}
	for i := range 20 {
		fmt.Fprintf(&sb, "    \"family-%d-*\": {input: 3, output: 15, cached_read: 0.3}\n", i)
	}
	sb.WriteString("  tools:\n    mcp-github: {default: 0.01, tools: {create_issue: 0.05}}\n")
	return table(b, sb.String())
}

func BenchmarkPriceExact(b *testing.B) {
	tb := benchTable(b)
	b.ReportAllocs()
	for b.Loop() {
		tb.Price("model-150")
	}
}

// BenchmarkPricePattern matches the last pattern of the list, the slow case.
func BenchmarkPricePattern(b *testing.B) {
	tb := benchTable(b)
	b.ReportAllocs()
	for b.Loop() {
		tb.Price("family-0-20250101")
	}
}

func BenchmarkEstimate(b *testing.B) {
	tb := benchTable(b)
	b.ReportAllocs()
	for b.Loop() {
		tb.Estimate("model-7", 12_345, 0, 1)
	}
}

func BenchmarkCost(b *testing.B) {
	p := ModelPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 15_000_000}
	t := Tokens{Input: 1234, Output: 567, CachedRead: 8900, CachedWrite: 12, Reasoning: 345}
	b.ReportAllocs()
	for b.Loop() {
		Cost(p, t)
	}
}

func BenchmarkToolPrice(b *testing.B) {
	tb := benchTable(b)
	b.ReportAllocs()
	for b.Loop() {
		tb.ToolPrice("mcp-github", "create_issue")
	}
}

// BenchmarkBookLoadParallel is every request reading the table in force at once.
func BenchmarkBookLoadParallel(b *testing.B) {
	book := &Book{}
	book.cur.Store(benchTable(b))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			book.Load().Estimate("model-7", 4096, 256, 1)
		}
	})
}
