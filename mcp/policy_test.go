package mcp

import (
	"errors"
	"strings"
	"testing"
)

// TestGlobMatch checks the two wildcards against the cases that trip up
// naive matchers: empty runs, backtracking, multi-byte characters.
func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		p, name string
		want    bool
	}{
		{"echo", "echo", true}, {"echo", "echo2", false}, {"echo", "Echo", false},
		{"*", "", true}, {"*", "anything/at.all", true},
		{"get_*", "get_issue", true}, {"get_*", "get_", true}, {"get_*", "list_issues", false},
		{"*_issue", "get_issue", true}, {"*_issue", "get_issues", false},
		{"*delete*", "repo_delete_all", true}, {"*delete*", "dlete", false},
		{"a*b*c", "aXbYbZc", true}, {"a*b*c", "aXbYbZ", false}, {"a*a*a*a*b", strings.Repeat("a", 40), false},
		{"?", "é", true}, {"??", "é", false}, {"?x", "éx", true}, {"*??", "é", false}, {"*??", "xé", true},
		{"file_?", "file_1", true}, {"file_?", "file_12", false}, {"file_?", "file_", false},
	} {
		if got := globMatch(tc.p, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.p, tc.name, got)
		}
	}
}

// TestParsePolicyRefusesBadGlobs checks that a bad pattern is an error
// naming it and the policy, so an operator sees which rule to fix.
func TestParsePolicyRefusesBadGlobs(t *testing.T) {
	for _, bad := range []string{"", "repo[0-9]", `a\*`, "a]", "x\ty", "\xff", strings.Repeat("a", MaxGlob+1)} {
		_, err := ParsePolicy("acme/github", []string{"ok_*"}, []string{bad})
		if !errors.Is(err, ErrBadGlob) || !strings.Contains(err.Error(), `"acme/github"`) {
			t.Errorf("pattern %q: err = %v", bad, err)
		}
	}
}

// TestPolicyDenyWins checks the rule order: deny beats allow, an empty
// allow list allows everything not denied, a non-empty one only what it
// lists.
func TestPolicyDenyWins(t *testing.T) {
	p, err := ParsePolicy("p", []string{"get_*", "delete_branch"}, []string{"*_secret", "delete_*"})
	if err != nil {
		t.Fatal(err)
	}
	for tool, want := range map[string]bool{"get_issue": true, "get_secret": false, "delete_branch": false, "list": false} {
		if p.Allows(tool) != want {
			t.Errorf("Allows(%q) = %v", tool, !want)
		}
	}
	open, _ := ParsePolicy("open", nil, []string{"drop_*"})
	if !open.Allows("anything") || open.Allows("drop_table") {
		t.Error("empty allow list: want all but denied")
	}
	var none *Policy
	if !none.Allows("x") || none.DeniedBy("x") != nil || none.Name() != "" {
		t.Error("nil policy must allow all")
	}
}

// TestNarrowNeedsEveryLayer checks that a role or key policy can only
// narrow the workspace × upstream policy, and that a denial names the layer
// that denied.
func TestNarrowNeedsEveryLayer(t *testing.T) {
	base, _ := ParsePolicy("acme/github", nil, []string{"delete_*"})
	role, _ := ParsePolicy("role member", []string{"get_*", "list_*", "delete_*"}, nil)
	key, _ := ParsePolicy("key ci", nil, []string{"list_*"})
	p := Narrow(base, nil, role, key)
	for tool, by := range map[string]string{"get_issue": "", "delete_repo": "acme/github", "create_issue": "role member", "list_prs": "key ci"} {
		got := ""
		if d := p.DeniedBy(tool); d != nil {
			got = d.Name()
		}
		if got != by || p.Allows(tool) != (by == "") {
			t.Errorf("%s: denied by %q, want %q", tool, got, by)
		}
	}
	if p.Name() != "acme/github > role member > key ci" {
		t.Errorf("Name = %q", p.Name())
	}
	if Narrow(nil, nil) != nil || Narrow(base) != base || Narrow(nil, role) != role {
		t.Error("Narrow of one layer must be that layer")
	}
	if nested := Narrow(p, key); len(nested.layers) != 4 {
		t.Errorf("nested Narrow has %d layers", len(nested.layers))
	}
}

// TestPolicyAllowsDoesNotAllocate checks the per-call cost on the request
// path.
func TestPolicyAllowsDoesNotAllocate(t *testing.T) {
	base, _ := ParsePolicy("a", []string{"get_*", "list_*", "search_*"}, []string{"*_admin"})
	role, _ := ParsePolicy("b", nil, []string{"delete_*"})
	p := Narrow(base, role)
	if n := testing.AllocsPerRun(100, func() { p.Allows("search_code") }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
