package meter

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/config"
)

// section parses a pricing section written as in the config file.
func section(t testing.TB, yaml string) *config.PricingConfig {
	t.Helper()
	cfg, err := config.Parse("tollgate.yaml", []byte("pricing:\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Pricing
}

// table builds the Table of a pricing section.
func table(t testing.TB, yaml string) *Table {
	t.Helper()
	tb, err := NewTable(section(t, yaml))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

const docTable = `
  models:
    gpt-4o:            {input: 2.5, output: 10, cached_read: 1.25, cached_write: 0, reasoning: 10}
    claude-sonnet-4-*: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
    claude-*:          {input: 1, output: 5}
    o3:                {input: 0.1, output: 0.4}
  tools:
    mcp-github: {default: 0.01, tools: {create_issue: 0.05}}
    mcp-free:   {tools: {search: 0.000001}}
`

// TestDefaultRequestIsTheConfiguredHold: a request naming no model holds pricing.default_request_credits; none refuses, and metering off holds nothing.
func TestDefaultRequestIsTheConfiguredHold(t *testing.T) {
	if got := table(t, "  default_request_credits: 0.05\n").DefaultRequest(); got != 50_000 {
		t.Fatalf("DefaultRequest = %d, want 50000 µc", got)
	}
	if got := table(t, docTable).DefaultRequest(); got != 0 {
		t.Fatalf("DefaultRequest without the setting = %d, want 0 (refuse)", got)
	}
	if got := (*Table)(nil).DefaultRequest(); got != 0 {
		t.Fatalf("DefaultRequest of metering off = %d", got)
	}
}

// TestListedIgnoresTheDefault: the prices of a model the table lists (exact or pattern), never the unknown-model default, which says nothing of that model.
func TestListedIgnoresTheDefault(t *testing.T) {
	tb := table(t, "  unknown_model: default\n  default: {input: 9, output: 9}\n  models: {gpt-4o: {input: 2.5, output: 10}, \"claude-*\": {input: 1, output: 5}}\n")
	if p, ok := tb.Listed("gpt-4o"); !ok || p.Input != 2_500_000 {
		t.Fatalf("Listed(gpt-4o) = %+v, %v", p, ok)
	}
	if p, ok := tb.Listed("claude-haiku"); !ok || p.Output != 5_000_000 {
		t.Fatalf("Listed(claude-haiku) = %+v, %v", p, ok)
	}
	if p, ok := tb.Listed("mistral"); ok || p != (ModelPrice{}) {
		t.Fatalf("Listed(mistral) = %+v, %v; want not listed", p, ok)
	}
	if p, ok := tb.Price("mistral"); !ok || p.Input != 9_000_000 {
		t.Fatalf("Price(mistral) = %+v, %v; want the default", p, ok)
	}
	if _, ok := (*Table)(nil).Listed("gpt-4o"); ok {
		t.Fatal("metering off lists a model")
	}
}

// TestPriceMatchesExactThenLongestPrefix: an exact entry beats any pattern, and the most specific pattern wins.
func TestPriceMatchesExactThenLongestPrefix(t *testing.T) {
	tb := table(t, docTable)
	tests := []struct {
		model string
		want  ModelPrice
		ok    bool
	}{
		{"gpt-4o", ModelPrice{2_500_000, 10_000_000, 1_250_000, 0, 10_000_000}, true},
		{"claude-sonnet-4-20250514", ModelPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 15_000_000}, true},
		{"claude-sonnet-4-", ModelPrice{3_000_000, 15_000_000, 300_000, 3_750_000, 15_000_000}, true},
		{"claude-haiku-3", ModelPrice{1_000_000, 5_000_000, 1_000_000, 1_000_000, 5_000_000}, true},
		{"o3", ModelPrice{100_000, 400_000, 100_000, 100_000, 400_000}, true},
		{"gpt-4o-mini", ModelPrice{}, false}, // no pattern covers it: refused
		{"GPT-4O", ModelPrice{}, false},      // names match case and all
		{"", ModelPrice{}, false},
	}
	for _, tc := range tests {
		got, ok := tb.Price(tc.model)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Price(%q) = %+v, %v; want %+v, %v", tc.model, got, ok, tc.want, tc.ok)
		}
	}
}

// TestPriceUnknownModelDefault: with unknown_model: default an unlisted model is charged, not refused.
func TestPriceUnknownModelDefault(t *testing.T) {
	tb := table(t, "  unknown_model: default\n  default: {input: 1, output: 4}\n  models: {m: {input: 2, output: 2}}\n")
	got, ok := tb.Price("anything")
	if want := (ModelPrice{1_000_000, 4_000_000, 1_000_000, 1_000_000, 4_000_000}); !ok || got != want {
		t.Fatalf("Price(unlisted) = %+v, %v; want %+v", got, ok, want)
	}
	if got, _ := tb.Price("m"); got.Input != 2_000_000 {
		t.Fatalf("a listed model must keep its own price, got %+v", got)
	}
}

// TestCatchAllPattern: a lone "*" prices every model, and a longer pattern still wins over it.
func TestCatchAllPattern(t *testing.T) {
	tb := table(t, "  models: {\"*\": {input: 1, output: 1}, \"gpt-*\": {input: 2, output: 2}}\n")
	if p, ok := tb.Price("x"); !ok || p.Input != 1_000_000 {
		t.Fatalf("Price(x) = %+v, %v", p, ok)
	}
	if p, ok := tb.Price("gpt-5"); !ok || p.Input != 2_000_000 {
		t.Fatalf("Price(gpt-5) = %+v, %v", p, ok)
	}
}

// TestEmptySectionRefusesEveryModel: a pricing section with no models meters, so it refuses what it cannot price.
func TestEmptySectionRefusesEveryModel(t *testing.T) {
	tb := table(t, "  default_output_tokens: 10\n")
	if _, ok := tb.Price("gpt-4o"); ok || !tb.Enabled() {
		t.Fatal("an empty table must refuse unlisted models")
	}
}

// TestNilTableMeansMeteringOff: with no pricing section nothing is refused and nothing costs.
func TestNilTableMeansMeteringOff(t *testing.T) {
	tb, err := NewTable(nil)
	if err != nil || tb != nil {
		t.Fatalf("NewTable(nil) = %v, %v; want nil, nil", tb, err)
	}
	if p, ok := tb.Price("gpt-4o"); !ok || p != (ModelPrice{}) {
		t.Fatalf("Price on nil = %+v, %v; want zero, true", p, ok)
	}
	if e, ok := tb.Estimate("gpt-4o", 4000, 100, 1); !ok || e != (Estimate{}) {
		t.Fatalf("Estimate on nil = %+v, %v; want zero, true", e, ok)
	}
	if c := tb.ToolPrice("mcp-github", "create_issue"); c != 0 || tb.Enabled() {
		t.Fatalf("ToolPrice on nil = %d, enabled %v", c, tb.Enabled())
	}
}

// TestToolPrice: a tool's own price, else its upstream's default, else free.
func TestToolPrice(t *testing.T) {
	tb := table(t, docTable)
	for _, tc := range []struct {
		upstream, tool string
		want           int64
	}{
		{"mcp-github", "create_issue", 50_000},
		{"mcp-github", "list_issues", 10_000},
		{"mcp-free", "search", 1},
		{"mcp-free", "fetch", 0},
		{"mcp-other", "create_issue", 0},
	} {
		if got := tb.ToolPrice(tc.upstream, tc.tool); got != tc.want {
			t.Errorf("ToolPrice(%q, %q) = %d, want %d", tc.upstream, tc.tool, got, tc.want)
		}
	}
}

// TestNewTableRefusesAnInvalidSection: a section built in code is validated too, with the config's messages.
func TestNewTableRefusesAnInvalidSection(t *testing.T) {
	s := section(t, docTable)
	s.Models["gpt-4o"] = config.ModelPriceConfig{Input: "1", Output: "abc"}
	tb, err := NewTable(s)
	want := `config: pricing.models["gpt-4o"].output: "abc" is not a decimal number`
	if tb != nil || err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, %v; want error %s", tb, err, want)
	}
}

// TestLookupsDoNotAllocate: Price, ToolPrice and Estimate run on every request.
func TestLookupsDoNotAllocate(t *testing.T) {
	tb := table(t, docTable)
	model := strings.Clone("claude-sonnet-4-20250514")
	allocs := testing.AllocsPerRun(100, func() {
		tb.Price("gpt-4o")
		tb.Price(model)
		tb.Price("unknown")
		tb.ToolPrice("mcp-github", "create_issue")
		tb.Estimate(model, 10_000, 0, 1)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per lookup, want 0", allocs)
	}
}
