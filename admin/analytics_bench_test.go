package admin

import (
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// BenchmarkAggregateMonthOfRollUps: a 30-day report of 20 members on 3
// models each (43,200 hourly roll-ups) grouped by member, per day.
func BenchmarkAggregateMonthOfRollUps(b *testing.B) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []store.UsageRow
	for h := 0; h < 30*24; h++ {
		for m := 0; m < 20; m++ {
			for _, model := range []string{"gpt-4o", "gpt-4o-mini", "claude"} {
				rows = append(rows, store.UsageRow{Hour: start.Add(time.Duration(h) * time.Hour), TokenID: "t" + strconv.Itoa(m),
					MemberID: "m" + strconv.Itoa(m), Kind: "member", Upstream: "llm", Model: model, Requests: 3,
					Tokens: store.Tokens{Input: 300, Output: 100}, Credits: 1234})
			}
		}
	}
	q := usageQuery{By: "member", Bucket: bucketDay}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, _ := aggregate(rows, q, nil)
		if len(out) != 600 {
			b.Fatalf("%d rows", len(out))
		}
	}
}

// BenchmarkFormatCredits: every amount of every view goes through it.
func BenchmarkFormatCredits(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if store.FormatCredits(12_345_678) != "12.345678" {
			b.Fatal("wrong")
		}
	}
}
