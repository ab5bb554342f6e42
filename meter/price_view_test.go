package meter

import (
	"encoding/json"
	"github.com/tollgate-dev/tollgate/store"
	"math"
	"testing"

	"github.com/tollgate-dev/tollgate/config"
)

// TestFormatCreditsRoundTrips: the admin API shows prices exactly as the config reads them back.
func TestFormatCreditsRoundTrips(t *testing.T) {
	for micro, want := range map[int64]string{
		0: "0", 1: "0.000001", 100_000: "0.1", 2_500_000: "2.5", 1_250_000: "1.25", 3_750_000: "3.75",
		10_000_000: "10", 1_000_000_000_000: "1000000", 123_456_789: "123.456789", -1_500_000: "-1.5",
		math.MinInt64: "-9223372036854.775808",
	} {
		got := store.FormatCredits(micro)
		if got != want {
			t.Errorf("store.FormatCredits(%d) = %q, want %q", micro, got, want)
		}
		if micro < 0 || micro > config.MaxCredits*MicroPerCredit {
			continue
		}
		if back, err := config.Credits(got).Micro(); err != nil || back != micro {
			t.Errorf("%q reads back as %d, %v; want %d", got, back, err, micro)
		}
	}
}

// TestViewShowsEffectivePrices: an operator sees what is charged, omitted prices filled in, patterns with their '*'.
func TestViewShowsEffectivePrices(t *testing.T) {
	tb := table(t, `
  unknown_model: default
  default: {input: 1, output: 4}
  default_request_credits: 0.25
  models:
    gpt-4o:            {input: 2.5, output: 10, cached_write: 0}
    claude-sonnet-4-*: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
  tools:
    mcp-github: {default: 0.01, tools: {create_issue: 0.05}}
    mcp-free:   {}
`)
	got, err := json.Marshal(tb.View())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"enabled":true,"unknown_model":"default",` +
		`"default":{"input":"1","output":"4","cached_read":"1","cached_write":"1","reasoning":"4"},"default_output_tokens":1024,"default_request_credits":"0.25",` +
		`"models":{"claude-sonnet-4-*":{"input":"3","output":"15","cached_read":"0.3","cached_write":"3.75","reasoning":"15"},` +
		`"gpt-4o":{"input":"2.5","output":"10","cached_read":"2.5","cached_write":"0","reasoning":"10"}},` +
		`"tools":{"mcp-free":{"default":"0"},"mcp-github":{"default":"0.01","tools":{"create_issue":"0.05"}}}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	off, _ := json.Marshal((*Table)(nil).View())
	if string(off) != `{"enabled":false}` {
		t.Fatalf("metering off shows %s", off)
	}
}
