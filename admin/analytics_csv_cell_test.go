package admin

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestCSVCellNeutralizesFormulas: a cell a spreadsheet would evaluate gets
// a leading apostrophe (OWASP CSV injection), while numbers, negative ones
// included, stay numbers.
func TestCSVCellNeutralizesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"gpt-4o":                         "gpt-4o",
		"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
		"+1+cmd|' /C calc'!A0":           "'+1+cmd|' /C calc'!A0",
		"-2+3":                           "'-2+3",
		"@SUM(A1:A9)":                    "'@SUM(A1:A9)",
		"\t=1":                           "'\t=1",
		"\r=1":                           "'\r=1",
		"-":                              "'-",
		"-1.":                            "'-1.",
		"-.5":                            "'-.5",
		"-1e3":                           "'-1e3",
		"-15":                            "-15",
		"-0.000001":                      "-0.000001",
		"12.5":                           "12.5",
		"'quoted":                        "'quoted",
		"a=b":                            "a=b",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCSVCell: whatever a user names a key, model or tool, its cell never
// starts a formula, and removing the apostrophe gives the name back.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "-1", "-1.5", "-x", "@", "\t", "\r\n", "plain", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != s && got != "'"+s {
			t.Fatalf("csvCell(%q) = %q: changed more than a prefix", s, got)
		}
		if got == "" {
			return
		}
		if strings.ContainsRune("=+@\t\r", rune(got[0])) || got[0] == '-' && !isDecimal(got[1:]) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, got)
		}
	})
}

// TestCSVExportsNeutralizeFormulas: names that reach a CSV export from
// upstreams and clients (models, tools, routes) cannot run as formulas in
// the spreadsheet that opens the export, in the usage and request exports
// of both stores.
func TestCSVExportsNeutralizeFormulas(t *testing.T) {
	const model, tool, route = `=HYPERLINK("http://evil.test","x")`, "-2+3", "@SUM(1)"
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("formulas")
			ws := ow.Workspace.ID
			e.settle(ws, store.RequestRecord{TokenID: ow.TokenID, MemberID: ow.Owner.ID, Kind: "member", Upstream: "openai",
				Model: model, Tool: tool, Method: "POST", Route: route, Cost: 1_000_000})
			cells := func(path string) [][]string {
				status, raw := e.do("GET", path, nil)
				recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
				if status != http.StatusOK || err != nil || len(recs) < 2 {
					t.Fatalf("GET %s: %d %v %q", path, status, err, raw)
				}
				return recs
			}
			byModel := cells("/v1/workspaces/" + ws + "/usage?by=model&format=csv")
			byTool := cells("/v1/workspaces/" + ws + "/usage?by=tool&format=csv")
			if byModel[1][1] != "'"+model || byTool[1][1] != "'"+tool {
				t.Fatalf("usage groups %q and %q, want them prefixed with '", byModel[1][1], byTool[1][1])
			}
			reqs := cells("/v1/workspaces/" + ws + "/requests?format=csv")
			col := map[string]int{}
			for i, h := range requestCSVHeader {
				col[h] = i
			}
			row := reqs[1]
			if row[col["model"]] != "'"+model || row[col["tool"]] != "'"+tool || row[col["route"]] != "'"+route ||
				row[col["cost_credits"]] != "1" {
				t.Fatalf("request row %q", row)
			}
		})
	}
}
