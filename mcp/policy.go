package mcp

import (
	"fmt"
	"strings"
)

// Policy allows or denies MCP tools by name. A tool is denied when a deny
// pattern matches it, otherwise allowed when the allow list is empty or an
// allow pattern matches it: deny wins. A policy narrowed with Narrow allows
// a tool only when each of its layers does.
//
// A nil *Policy allows every tool. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	name   string
	allow  []string
	deny   []string
	layers []*Policy // set by Narrow: every layer must allow; allow and deny are then empty
}

// ParsePolicy returns the policy named name (the label a denial quotes,
// such as "workspace acme, upstream github") with the given allow and deny
// patterns. The error, wrapping ErrBadGlob, names the first bad pattern.
func ParsePolicy(name string, allow, deny []string) (*Policy, error) {
	for _, list := range [2][]string{allow, deny} {
		for _, p := range list {
			if err := checkGlob(p); err != nil {
				return nil, fmt.Errorf("policy %q: %w", name, err)
			}
		}
	}
	return &Policy{name: name, allow: clone(allow), deny: clone(deny)}, nil
}

func clone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// Narrow returns a policy that allows a tool only when base and every one
// of more allow it; nil policies are skipped. Its name joins the names of
// its layers with " > ". Narrow of nothing but nils is nil (allow all).
func Narrow(base *Policy, more ...*Policy) *Policy {
	var layers []*Policy
	for _, p := range append([]*Policy{base}, more...) {
		switch {
		case p == nil:
		case p.layers != nil:
			layers = append(layers, p.layers...)
		default:
			layers = append(layers, p)
		}
	}
	switch len(layers) {
	case 0:
		return nil
	case 1:
		return layers[0]
	}
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.name
	}
	return &Policy{name: strings.Join(names, " > "), layers: layers}
}

// Name returns the policy's name; "" for nil.
func (p *Policy) Name() string {
	if p == nil {
		return ""
	}
	return p.name
}

// Allows reports whether the policy allows the tool. It does not allocate.
func (p *Policy) Allows(tool string) bool { return p.DeniedBy(tool) == nil }

// DeniedBy returns the policy, or the layer of a narrowed policy, that
// denies the tool, or nil when the tool is allowed. Its Name is what a
// denial quotes.
func (p *Policy) DeniedBy(tool string) *Policy {
	if p == nil {
		return nil
	}
	for _, l := range p.layers {
		if !l.allows(tool) {
			return l
		}
	}
	if p.layers == nil && !p.allows(tool) {
		return p
	}
	return nil
}

// allows applies p's own patterns.
func (p *Policy) allows(tool string) bool {
	if matchAny(p.deny, tool) {
		return false
	}
	return len(p.allow) == 0 || matchAny(p.allow, tool)
}

func matchAny(patterns []string, tool string) bool {
	for _, g := range patterns {
		if isLiteral(g) {
			if g == tool {
				return true
			}
		} else if globMatch(g, tool) {
			return true
		}
	}
	return false
}

// String returns the policy's name and patterns, for logs.
func (p *Policy) String() string {
	switch {
	case p == nil:
		return "allow all"
	case p.layers != nil:
		parts := make([]string, len(p.layers))
		for i, l := range p.layers {
			parts[i] = l.String()
		}
		return strings.Join(parts, " > ")
	}
	return fmt.Sprintf("%s (allow %q, deny %q)", p.name, p.allow, p.deny)
}
