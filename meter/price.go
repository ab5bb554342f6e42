package meter

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/store"
)

// MicroPerCredit is the number of micro-credits (µc) in one credit; every
// amount of money is an integer number of µc.
const MicroPerCredit = store.MicroPerCredit

// ModelPrice is one model's prices, each in µc per 1M tokens of its kind (so
// a price of 2.5 credits per 1M tokens is 2_500_000). The zero ModelPrice is
// free.
type ModelPrice struct {
	Input, Output, CachedRead, CachedWrite, Reasoning int64
}

// Table is an immutable price table built from the config's pricing section.
// It is safe for concurrent use. A nil *Table means metering is off: every
// model is priced, at zero, and every tool is free.
type Table struct {
	exact         map[string]ModelPrice
	prefixes      []pattern // longest prefix first
	fallback      ModelPrice
	hasFallback   bool // unknown_model: default
	defaultOutput int64
	defaultReq    int64 // µc per request naming no model; 0: refuse such requests
	tools         map[string]toolPrices
}

// pattern is a model name ending in '*', without the '*'.
type pattern struct {
	prefix string
	price  ModelPrice
}

// toolPrices prices the tools of one MCP upstream, in µc per call.
type toolPrices struct {
	def    int64
	byTool map[string]int64
}

// NewTable builds the table of section after validating it; the error names
// every bad entry and field. A nil section gives a nil *Table: metering off.
func NewTable(section *config.PricingConfig) (*Table, error) {
	if section == nil {
		return nil, nil
	}
	if err := section.Validate(); err != nil {
		return nil, err
	}
	t := &Table{
		exact:         make(map[string]ModelPrice, len(section.Models)),
		hasFallback:   section.UnknownModel == config.UnknownModelDefault,
		defaultOutput: section.DefaultOutputTokens,
		defaultReq:    micro(section.DefaultRequestCredits),
		tools:         make(map[string]toolPrices, len(section.Tools)),
	}
	if t.hasFallback {
		t.fallback = modelPrice(section.Default)
	}
	for name, m := range section.Models {
		if prefix, ok := strings.CutSuffix(name, "*"); ok {
			t.prefixes = append(t.prefixes, pattern{prefix, modelPrice(m)})
		} else {
			t.exact[name] = modelPrice(m)
		}
	}
	slices.SortFunc(t.prefixes, func(a, b pattern) int {
		return cmp.Or(cmp.Compare(len(b.prefix), len(a.prefix)), strings.Compare(a.prefix, b.prefix))
	})
	for upstream, tp := range section.Tools {
		p := toolPrices{def: micro(tp.Default), byTool: make(map[string]int64, len(tp.Tools))}
		for tool, c := range tp.Tools {
			p.byTool[tool] = micro(c)
		}
		t.tools[upstream] = p
	}
	return t, nil
}

// modelPrice converts a validated entry, filling omitted prices: cached
// reads and writes cost the input price, reasoning the output price.
func modelPrice(m config.ModelPriceConfig) ModelPrice {
	p := ModelPrice{Input: micro(m.Input), Output: micro(m.Output)}
	p.CachedRead, p.CachedWrite, p.Reasoning = p.Input, p.Input, p.Output
	if m.CachedRead != "" {
		p.CachedRead = micro(m.CachedRead)
	}
	if m.CachedWrite != "" {
		p.CachedWrite = micro(m.CachedWrite)
	}
	if m.Reasoning != "" {
		p.Reasoning = micro(m.Reasoning)
	}
	return p
}

// micro converts a price that Validate accepted; "" is 0.
func micro(c config.Credits) int64 {
	if c == "" {
		return 0
	}
	n, err := c.Micro()
	if err != nil {
		panic("meter: price accepted by Validate does not convert: " + err.Error())
	}
	return n
}

// Enabled reports whether metering is on, that is t is not nil.
func (t *Table) Enabled() bool { return t != nil }

// Price returns the prices of model: its exact entry, else the longest
// matching prefix pattern, else the default when unknown models are charged
// at it. ok is false when the model is refused. On a nil Table (metering
// off) every model is priced at zero. Names match exactly, case included.
// It does not allocate.
func (t *Table) Price(model string) (ModelPrice, bool) {
	if t == nil {
		return ModelPrice{}, true
	}
	if p, ok := t.Listed(model); ok {
		return p, true
	}
	return t.fallback, t.hasFallback
}

// Listed returns the prices the table lists for model: its exact entry,
// else the longest matching prefix pattern. ok is false when neither
// matches (the default of unknown_model: default is no listing of the
// model), and on a nil Table. It does not allocate.
func (t *Table) Listed(model string) (ModelPrice, bool) {
	if t == nil {
		return ModelPrice{}, false
	}
	if p, ok := t.exact[model]; ok {
		return p, true
	}
	for i := range t.prefixes { // a short list; longest first, so the first match wins
		if strings.HasPrefix(model, t.prefixes[i].prefix) {
			return t.prefixes[i].price, true
		}
	}
	return ModelPrice{}, false
}

// DefaultRequest returns what to hold, and to charge when its usage cannot
// be priced, for a request to an LLM upstream whose model cannot be read
// (pricing.default_request_credits), in µc. 0 means such requests are
// refused; it is 0 on a nil Table too, where nothing is refused.
func (t *Table) DefaultRequest() int64 {
	if t == nil {
		return 0
	}
	return t.defaultReq
}

// ToolPrice returns the price of one tools/call of tool on the MCP upstream,
// in µc: the tool's own price, else the upstream's default; 0 when the
// table prices neither, and on a nil Table. It does not allocate.
func (t *Table) ToolPrice(upstream, tool string) int64 {
	if t == nil {
		return 0
	}
	p, ok := t.tools[upstream]
	if !ok {
		return 0
	}
	if c, ok := p.byTool[tool]; ok {
		return c
	}
	return p.def
}
