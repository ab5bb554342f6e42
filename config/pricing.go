package config

import (
	"fmt"
	"strings"
)

// Pricing choices for a model the table does not list.
const (
	UnknownModelRefuse  = "refuse"  // refuse the request: nothing is served unpriced
	UnknownModelDefault = "default" // charge it at pricing.default
)

// MaxCredits is the largest price the table accepts, in credits: per 1M
// tokens for a model, per call for a tool. Anything above it is a typo.
const MaxCredits = 1_000_000

// CreditPlaces is the most decimal places a price may have: one micro-credit.
const CreditPlaces = 6

// PricingConfig is the price table the gateway charges by. A nil
// *PricingConfig (no pricing section in the file) turns metering off: every
// cost is 0 and no model is refused. The section is read only from the file,
// never from the environment, so that a reload (SIGHUP or the admin API)
// sees all of it.
type PricingConfig struct {
	// UnknownModel says what happens to a model the table does not list:
	// refuse (the default) or default (charge it at Default).
	UnknownModel string `yaml:"unknown_model"`
	// Default prices every unlisted model when UnknownModel is default; it
	// must be empty otherwise.
	Default ModelPriceConfig `yaml:"default"`
	// DefaultOutputTokens is the output assumed by an estimate when a request
	// sets no max_tokens; at least 1 (default 1024).
	DefaultOutputTokens int64 `yaml:"default_output_tokens"`
	// DefaultRequestCredits is what a request to an LLM upstream whose
	// model the gateway cannot read is held at admission and charged when
	// its usage cannot be priced, in credits per request: a POST whose body
	// names no JSON "model" (a batch, a file upload, a multipart audio or
	// image request, a Responses call with a stored prompt). Empty or 0, the
	// default, refuses such requests (400 unmetered_request), so that no
	// request is served without a balance check while pricing is on.
	DefaultRequestCredits Credits `yaml:"default_request_credits"`
	// Models maps a model name to its prices. A name ending in '*' is a
	// prefix pattern ("claude-sonnet-4-*"): an exact name wins, then the
	// longest matching pattern.
	Models map[string]ModelPriceConfig `yaml:"models"`
	// Tools maps an MCP upstream's name to the price of its tools/call.
	Tools map[string]ToolPricingConfig `yaml:"tools"`
}

// ModelPriceConfig is one model's prices in credits per 1M tokens of each
// kind. Input and Output are required; an empty CachedRead or CachedWrite
// costs Input, an empty Reasoning costs Output.
type ModelPriceConfig struct {
	Input       Credits `yaml:"input"`
	Output      Credits `yaml:"output"`
	CachedRead  Credits `yaml:"cached_read"`
	CachedWrite Credits `yaml:"cached_write"`
	Reasoning   Credits `yaml:"reasoning"`
}

// ToolPricingConfig prices the tools/call requests of one MCP upstream, in
// credits per call: Tools by tool name, Default for every other tool (empty
// is free).
type ToolPricingConfig struct {
	Default Credits            `yaml:"default"`
	Tools   map[string]Credits `yaml:"tools"`
}

// Credits is an amount of credits as written in the file: a plain decimal
// number such as "2.5", with at most CreditPlaces decimal places. It is kept
// as text and converted by Micro, so no binary floating point ever rounds a
// price. The zero value, "", means the price was not given.
type Credits string

// Micro returns c in millionths: micro-credits, or micro-credits per 1M
// tokens for a model price. "0.1" is exactly 100000. It refuses anything but
// digits with at most one '.', more than CreditPlaces decimal places, a
// negative amount and an amount above MaxCredits; its error quotes c.
func (c Credits) Micro() (int64, error) {
	s := string(c)
	if strings.HasPrefix(s, "-") && isDecimal(s[1:]) {
		return 0, fmt.Errorf("must not be negative, got %q", s)
	}
	if !isDecimal(s) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > CreditPlaces {
		return 0, fmt.Errorf("%q has more than %d decimal places", s, CreditPlaces)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len("1000000") {
		return 0, fmt.Errorf("%q is more than %d credits", s, MaxCredits)
	}
	var n int64
	for _, d := range whole + frac + strings.Repeat("0", CreditPlaces-len(frac)) {
		n = n*10 + int64(d-'0')
	}
	if n > MaxCredits*1_000_000 {
		return 0, fmt.Errorf("%q is more than %d credits", s, MaxCredits)
	}
	return n, nil
}

// isDecimal reports whether s is digits with at most one '.' and at least
// one digit after it when there is one: "2", "2.5", ".5", not "2.", "1e3".
func isDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	if dot && frac == "" || whole == "" && frac == "" {
		return false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
		}
	}
	return true
}

// String summarizes the section for a logged configuration.
func (p *PricingConfig) String() string {
	if p == nil {
		return "off"
	}
	return fmt.Sprintf("{unknown_model:%s models:%d tools:%d}", p.UnknownModel, len(p.Models), len(p.Tools))
}
