package config

import (
	"strings"
	"testing"
)

// FuzzPricing: any pricing section either loads into a table whose every
// price converts exactly and within bounds, or is refused with a message
// that names a pricing field.
func FuzzPricing(f *testing.F) {
	for _, s := range []string{
		"models: {gpt-4o: {input: 2.5, output: 10}}",
		"models: {\"claude-*\": {input: 3, output: 15, cached_read: 0.3, cached_write: 3.75}}",
		"unknown_model: default\ndefault: {input: 1, output: 4}",
		"tools: {mcp-github: {default: 0.01, tools: {create_issue: 0.05}}}",
		"models: {a*b: {input: 1, output: 1}}", "models: {x: {input: -1, output: 1e3}}",
		"models: {x: {input: 0.0000001, output: 99999999999}}", "models: &m {x: *m}",
		"default_output_tokens: 0", "default_request_credits: 0.25", "models: [a]", "tools: {\"\": {tools: {\"\": 1}}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, section string) {
		body := "pricing:\n  " + strings.ReplaceAll(section, "\n", "\n  ") + "\n"
		cfg, err := Parse("fuzz.yaml", []byte(body))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without package prefix: %q", err)
			}
			return
		}
		if cfg.Pricing == nil {
			return
		}
		if err := cfg.Pricing.Validate(); err != nil {
			t.Fatalf("accepted section does not validate: %v", err)
		}
		for _, m := range cfg.Pricing.Models {
			for _, c := range []Credits{m.Input, m.Output, m.CachedRead, m.CachedWrite, m.Reasoning} {
				checkAccepted(t, c)
			}
		}
		checkAccepted(t, cfg.Pricing.DefaultRequestCredits)
		for _, tp := range cfg.Pricing.Tools {
			checkAccepted(t, tp.Default)
			for _, c := range tp.Tools {
				checkAccepted(t, c)
			}
		}
	})
}

// checkAccepted: a price that validated converts without error, within bounds.
func checkAccepted(t *testing.T, c Credits) {
	t.Helper()
	if c == "" {
		return
	}
	n, err := c.Micro()
	if err != nil || n < 0 || n > MaxCredits*1_000_000 {
		t.Fatalf("accepted price %q converts to %d, %v", c, n, err)
	}
}
