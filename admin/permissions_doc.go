package admin

import (
	"fmt"
	"sort"
	"strings"
)

// PermissionsMarkdown renders the permission table and the permission of
// every route as Markdown: docs/permissions.md is this output, and a test
// fails when the committed file differs.
func PermissionsMarkdown() string {
	var b strings.Builder
	b.WriteString("# Permissions\n\n")
	b.WriteString("Generated from `admin/permissions.go` by `TOLLGATE_UPDATE_DOCS=1 go test ./admin -run TestPermissionsDoc`; do not edit.\n")
	b.WriteString("The operator token holds every permission. A member token acts only inside its own workspace;\n")
	b.WriteString("any other workspace, and any id of one, answers 404.\n\n")
	b.WriteString("| permission | covers | owner | admin | member | reader | rule |\n|---|---|---|---|---|---|---|\n")
	for _, row := range permissionTable {
		fmt.Fprintf(&b, "| `%s` | %s |", row.Perm, row.Doc)
		for _, role := range []string{"owner", "admin", "member", "reader"} {
			mark := "no"
			if roleAllowed(role, row.Perm) {
				mark = "yes"
			}
			fmt.Fprintf(&b, " %s |", mark)
		}
		fmt.Fprintf(&b, " %s |\n", row.Note)
	}
	b.WriteString("\n## Routes\n\n| route | permission |\n|---|---|\n")
	rts := (&api{}).routes()
	sort.SliceStable(rts, func(i, j int) bool { return rts[i].pattern < rts[j].pattern })
	for _, rt := range rts {
		perm := "`" + string(rt.perm) + "`"
		if rt.public {
			perm = "none (public)"
		}
		fmt.Fprintf(&b, "| `%s %s` | %s |\n", rt.method, rt.pattern, perm)
	}
	return b.String()
}
