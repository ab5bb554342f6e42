package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPricingAbsentMeansMeteringOff: without a pricing section nothing is charged or refused.
func TestPricingAbsentMeansMeteringOff(t *testing.T) {
	for _, body := range []string{"listen: 127.0.0.1:1\n", "pricing:\n", "pricing: ~\n"} {
		cfg, err := Load(writeFile(t, body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Pricing != nil {
			t.Fatalf("%q: got pricing %v, want nil (metering off)", body, cfg.Pricing)
		}
	}
}

// TestPricingLoadsTheDocumentedShape: the example of the docs loads as written, with section defaults filled.
func TestPricingLoadsTheDocumentedShape(t *testing.T) {
	cfg, err := Load(writeFile(t, `
pricing:
  models:
    gpt-4o:        {input: 2.5, output: 10, cached_read: 1.25, cached_write: 0, reasoning: 10}
    claude-sonnet-4-*: {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}
  tools:
    mcp-github: {default: 0.01, tools: {create_issue: 0.05}}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &PricingConfig{
		UnknownModel:        UnknownModelRefuse,
		DefaultOutputTokens: 1024,
		Models: map[string]ModelPriceConfig{
			"gpt-4o":            {Input: "2.5", Output: "10", CachedRead: "1.25", CachedWrite: "0", Reasoning: "10"},
			"claude-sonnet-4-*": {Input: "3", Output: "15", CachedRead: "0.3", CachedWrite: "3.75"},
		},
		Tools: map[string]ToolPricingConfig{"mcp-github": {Default: "0.01", Tools: map[string]Credits{"create_issue": "0.05"}}},
	}
	if !reflect.DeepEqual(cfg.Pricing, want) {
		t.Fatalf("got %+v\nwant %+v", *cfg.Pricing, *want)
	}
}

// TestDefaultRequestCreditsLoads: the hold of a request naming no model is read exactly, and absent means refuse (empty).
func TestDefaultRequestCreditsLoads(t *testing.T) {
	cfg, err := Load(writeFile(t, "pricing:\n  default_request_credits: 0.05\n"), nil)
	if err != nil || cfg.Pricing.DefaultRequestCredits != "0.05" {
		t.Fatalf("got %v, %v", cfg.Pricing, err)
	}
	cfg, err = Load(writeFile(t, "pricing:\n  models: {m: {input: 1, output: 1}}\n"), nil)
	if err != nil || cfg.Pricing.DefaultRequestCredits != "" {
		t.Fatalf("got %v, %v; want no default (refuse)", cfg.Pricing, err)
	}
}

// TestCreditsMicroIsExact: decimals are read as text, so 0.1 is exactly 100000 millionths.
func TestCreditsMicroIsExact(t *testing.T) {
	for in, want := range map[Credits]int64{
		"0": 0, "0.1": 100_000, "2.5": 2_500_000, ".5": 500_000, "0.000001": 1, "007": 7_000_000,
		"1000000": 1_000_000_000_000, "1000000.000000": 1_000_000_000_000, "0.3": 300_000, "3.75": 3_750_000,
	} {
		got, err := in.Micro()
		if err != nil || got != want {
			t.Errorf("Credits(%q).Micro() = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestPricingErrorsNameEntryAndField: an operator reads which entry and field to fix, word for word.
func TestPricingErrorsNameEntryAndField(t *testing.T) {
	const head = "pricing:\n  models:\n"
	tests := []struct{ name, yaml, want string }{
		{"not a decimal", head + "    gpt-4o: {input: 1, output: abc}\n", `config: pricing.models["gpt-4o"].output: "abc" is not a decimal number`},
		{"exponent", head + "    gpt-4o: {input: 1e3, output: 1}\n", `config: pricing.models["gpt-4o"].input: "1e3" is not a decimal number`},
		{"trailing dot", head + "    gpt-4o: {input: \"2.\", output: 1}\n", `config: pricing.models["gpt-4o"].input: "2." is not a decimal number`},
		{"negative", head + "    gpt-4o: {input: -1, output: 1}\n", `config: pricing.models["gpt-4o"].input: must not be negative, got "-1"`},
		{"seven places", head + "    gpt-4o: {input: 0.0000001, output: 1}\n", `config: pricing.models["gpt-4o"].input: "0.0000001" has more than 6 decimal places`},
		{"absurd", head + "    gpt-4o: {input: 1, output: 1000000.5}\n", `config: pricing.models["gpt-4o"].output: "1000000.5" is more than 1000000 credits`},
		{"absurd long", head + "    gpt-4o: {input: 1, output: 99999999999999999999999}\n", `config: pricing.models["gpt-4o"].output: "99999999999999999999999" is more than 1000000 credits`},
		{"bad optional", head + "    gpt-4o: {input: 1, output: 1, reasoning: x}\n", `config: pricing.models["gpt-4o"].reasoning: "x" is not a decimal number`},
		{"input missing", head + "    gpt-4o: {output: 1}\n", `config: pricing.models["gpt-4o"].input: required (credits per 1M tokens, such as 2.5)`},
		{"empty entry", head + "    gpt-4o:\n", `config: pricing.models["gpt-4o"].input: required (credits per 1M tokens, such as 2.5)`},
		{"star inside", head + "    gpt-*-mini: {input: 1, output: 1}\n", `config: pricing.models["gpt-*-mini"]: '*' may only end a model name, as a prefix pattern such as "claude-sonnet-4-*"`},
		{"two stars", head + "    \"gpt**\": {input: 1, output: 1}\n", `config: pricing.models["gpt**"]: '*' may only end a model name`},
		{"empty name", head + "    \"\": {input: 1, output: 1}\n", `config: pricing.models[""]: empty model name`},
		{"unknown model field", head + "    gpt-4o: {input: 1, output: 1, cache_read: 1}\n", `config: tollgate.yaml:3:35: pricing.models["gpt-4o"].cache_read: unknown field (known: input, output, cached_read, cached_write, reasoning)`},
		{"model twice", head + "    gpt-4o: {input: 1, output: 1}\n    gpt-4o: {input: 2, output: 2}\n", `config: tollgate.yaml:4:5: pricing.models["gpt-4o"]: set twice`},
		{"models a list", head + "    - gpt-4o\n", `config: tollgate.yaml:3:5: pricing.models: want a mapping of fields, got a list`},
		{"unknown_model", "pricing: {unknown_model: allow}\n", `config: pricing.unknown_model: must be refuse or default, got "allow"`},
		{"default without its prices", "pricing: {unknown_model: default}\n", `config: pricing.default.input: required (credits per 1M tokens, such as 2.5)`},
		{"default that never applies", "pricing: {default: {input: 1, output: 4}}\n", `config: pricing.default: set, but pricing.unknown_model is refuse: set unknown_model: default to use it, or remove it`},
		{"output tokens", "pricing: {default_output_tokens: 0}\n", `config: pricing.default_output_tokens: must be at least 1, got 0`},
		{"request default", "pricing: {default_request_credits: 0.5.1}\n", `config: pricing.default_request_credits: "0.5.1" is not a decimal number`},
		{"request default negative", "pricing: {default_request_credits: -1}\n", `config: pricing.default_request_credits: must not be negative, got "-1"`},
		{"tool price", "pricing:\n  tools:\n    mcp-github: {tools: {create_issue: 5c}}\n", `config: pricing.tools["mcp-github"].tools["create_issue"]: "5c" is not a decimal number`},
		{"tool default", "pricing:\n  tools:\n    mcp-github: {default: -0.01}\n", `config: pricing.tools["mcp-github"].default: must not be negative, got "-0.01"`},
		{"tool absurd", "pricing:\n  tools:\n    mcp-github: {default: 2000000}\n", `config: pricing.tools["mcp-github"].default: "2000000" is more than 1000000 credits`},
		{"tool unknown field", "pricing:\n  tools:\n    mcp-github: {price: 1}\n", `config: tollgate.yaml:3:18: pricing.tools["mcp-github"].price: unknown field (known: default, tools)`},
		{"unknown pricing field", "pricing: {hold_seconds: 30}\n", `config: tollgate.yaml:1:11: pricing.hold_seconds: unknown field (known: unknown_model, default, default_output_tokens, default_request_credits, models, tools)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got error\n  %v\nwant\n  %s", err, tc.want)
			}
		})
	}
}

// TestPricingReportsEveryProblemAtOnce: an operator fixes a table in one pass, not one error per reload.
func TestPricingReportsEveryProblemAtOnce(t *testing.T) {
	p := &PricingConfig{UnknownModel: "refuse", DefaultOutputTokens: 1, Models: map[string]ModelPriceConfig{
		"b": {Input: "x", Output: "1"}, "a": {Input: "1", Output: "-2"},
	}}
	err := p.Validate()
	want := "config: pricing.models[\"a\"].output: must not be negative, got \"-2\"\n" +
		"config: pricing.models[\"b\"].input: \"x\" is not a decimal number"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// TestPricingIsNotReadFromTheEnvironment: a reload re-reads the file, so the table must live only there.
func TestPricingIsNotReadFromTheEnvironment(t *testing.T) {
	for _, n := range EnvNames() {
		if strings.HasPrefix(n, "TOLLGATE_PRICING") {
			t.Errorf("variable %s would shadow the file's price table", n)
		}
	}
	cfg, err := Load("", envMap(map[string]string{"TOLLGATE_PRICING": "x", "TOLLGATE_PRICING_UNKNOWN_MODEL": "default"}))
	if err != nil || cfg.Pricing != nil {
		t.Fatalf("got %v, %v; want metering off", cfg, err)
	}
}

// TestPricingStringIsShort: a logged config summarizes the table instead of printing a pointer.
func TestPricingStringIsShort(t *testing.T) {
	cfg := Default()
	if s := cfg.String(); !strings.Contains(s, "Pricing:off") {
		t.Fatalf("String() = %s, want Pricing:off", s)
	}
	cfg.Pricing = &PricingConfig{UnknownModel: "refuse", Models: map[string]ModelPriceConfig{"m": {}}}
	if s := cfg.String(); !strings.Contains(s, "Pricing:{unknown_model:refuse models:1 tools:0}") {
		t.Fatalf("String() = %s", s)
	}
}

// TestDeployPricingExampleLoads: the commented example in deploy/tollgate.yaml works once uncommented.
func TestDeployPricingExampleLoads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "deploy", "tollgate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var section []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#pricing:") || len(section) > 0 && strings.HasPrefix(line, "#  ") {
			section = append(section, line[1:])
		}
	}
	cfg, err := Parse("example.yaml", []byte(strings.Join(section, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Pricing == nil || len(cfg.Pricing.Models) != 2 || len(cfg.Pricing.Tools) != 1 {
		t.Fatalf("example pricing section lost entries: %v", cfg.Pricing)
	}
}
