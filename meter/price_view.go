package meter

import (
	"github.com/tollgate-dev/tollgate/store"
)

// TableView is a Table as the admin API shows it: every price as a decimal
// string in credits (per 1M tokens for models, per call for tools), with
// omitted prices filled in. Patterns keep their trailing '*'.
type TableView struct {
	Enabled             bool            `json:"enabled"` // false: no pricing section, metering off
	UnknownModel        string          `json:"unknown_model,omitempty"`
	Default             *ModelPriceView `json:"default,omitempty"`
	DefaultOutputTokens int64           `json:"default_output_tokens,omitempty"`
	// DefaultRequestCredits is the hold and charge of a request naming no
	// model, in credits; "0" refuses such requests.
	DefaultRequestCredits string                    `json:"default_request_credits,omitempty"`
	Models                map[string]ModelPriceView `json:"models,omitempty"`
	Tools                 map[string]ToolPriceView  `json:"tools,omitempty"`
}

// ModelPriceView is one model's prices in credits per 1M tokens.
type ModelPriceView struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	CachedRead  string `json:"cached_read"`
	CachedWrite string `json:"cached_write"`
	Reasoning   string `json:"reasoning"`
}

// ToolPriceView is one MCP upstream's prices in credits per tools/call.
type ToolPriceView struct {
	Default string            `json:"default"`
	Tools   map[string]string `json:"tools,omitempty"`
}

// View returns t for display; a nil Table shows Enabled false.
func (t *Table) View() TableView {
	if t == nil {
		return TableView{}
	}
	v := TableView{Enabled: true, UnknownModel: "refuse", DefaultOutputTokens: t.defaultOutput,
		DefaultRequestCredits: store.FormatCredits(t.defaultReq),
		Models:                make(map[string]ModelPriceView, len(t.exact)+len(t.prefixes)),
		Tools:                 make(map[string]ToolPriceView, len(t.tools))}
	if t.hasFallback {
		d := t.fallback.view()
		v.UnknownModel, v.Default = "default", &d
	}
	for name, p := range t.exact {
		v.Models[name] = p.view()
	}
	for _, p := range t.prefixes {
		v.Models[p.prefix+"*"] = p.price.view()
	}
	for upstream, p := range t.tools {
		tv := ToolPriceView{Default: store.FormatCredits(p.def)}
		if len(p.byTool) > 0 {
			tv.Tools = make(map[string]string, len(p.byTool))
			for tool, c := range p.byTool {
				tv.Tools[tool] = store.FormatCredits(c)
			}
		}
		v.Tools[upstream] = tv
	}
	return v
}

func (p ModelPrice) view() ModelPriceView {
	return ModelPriceView{Input: store.FormatCredits(p.Input), Output: store.FormatCredits(p.Output),
		CachedRead: store.FormatCredits(p.CachedRead), CachedWrite: store.FormatCredits(p.CachedWrite), Reasoning: store.FormatCredits(p.Reasoning)}
}
