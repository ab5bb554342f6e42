package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Validate reports every problem of the pricing section at once (joined with
// errors.Join), each naming its entry and field, such as
// `config: pricing.models["gpt-4o"].output: "abc" is not a decimal number`.
// Config.Validate runs it too; the meter runs it on every table it builds,
// so a bad reload is refused with the same message.
func (p *PricingConfig) Validate() error {
	var errs []error
	p.validate(func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", field, fmt.Sprintf(format, args...)))
	})
	return errors.Join(errs...)
}

func (p *PricingConfig) validate(bad reporter) {
	switch p.UnknownModel {
	case UnknownModelRefuse:
		if p.Default != (ModelPriceConfig{}) {
			bad("pricing.default", "set, but pricing.unknown_model is refuse: set unknown_model: default to use it, or remove it")
		}
	case UnknownModelDefault:
		p.Default.validate(bad, "pricing.default")
	default:
		bad("pricing.unknown_model", "must be refuse or default, got %q", p.UnknownModel)
	}
	if p.DefaultOutputTokens < 1 {
		bad("pricing.default_output_tokens", "must be at least 1, got %d", p.DefaultOutputTokens)
	}
	checkCredits(bad, "pricing.default_request_credits", p.DefaultRequestCredits)
	for _, name := range sortedKeys(p.Models) {
		entry := "pricing.models" + index(name)
		checkPattern(bad, entry, name)
		p.Models[name].validate(bad, entry)
	}
	for _, upstream := range sortedKeys(p.Tools) {
		entry := "pricing.tools" + index(upstream)
		if upstream == "" {
			bad(entry, "empty upstream name")
		}
		t := p.Tools[upstream]
		checkCredits(bad, entry+".default", t.Default)
		for _, tool := range sortedKeys(t.Tools) {
			if tool == "" {
				bad(entry+".tools"+index(tool), "empty tool name")
			}
			checkCredits(bad, entry+".tools"+index(tool), t.Tools[tool])
		}
	}
}

// validate checks one model's prices: input and output are required.
func (m ModelPriceConfig) validate(bad reporter, entry string) {
	for _, f := range []struct {
		name     string
		v        Credits
		required bool
	}{
		{"input", m.Input, true}, {"output", m.Output, true},
		{"cached_read", m.CachedRead, false}, {"cached_write", m.CachedWrite, false}, {"reasoning", m.Reasoning, false},
	} {
		if f.v == "" && f.required {
			bad(entry+"."+f.name, "required (credits per 1M tokens, such as 2.5)")
			continue
		}
		checkCredits(bad, entry+"."+f.name, f.v)
	}
}

// checkCredits checks a price that may be omitted.
func checkCredits(bad reporter, field string, c Credits) {
	if c == "" {
		return
	}
	if _, err := c.Micro(); err != nil {
		bad(field, "%v", err)
	}
}

// checkPattern refuses an empty model name and a '*' anywhere but at the end.
func checkPattern(bad reporter, entry, name string) {
	switch i := strings.IndexByte(name, '*'); {
	case name == "":
		bad(entry, "empty model name")
	case i >= 0 && i != len(name)-1:
		bad(entry, "'*' may only end a model name, as a prefix pattern such as \"claude-sonnet-4-*\"")
	}
}

// index formats a map key the way error paths show it: ["gpt-4o"].
func index(key string) string { return "[" + strconv.Quote(key) + "]" }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
