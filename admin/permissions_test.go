package admin

import (
	"os"
	"testing"
)

// TestPermissionsDocMatchesTable: docs/permissions.md is generated from the
// code's table; a change to one without the other fails here.
func TestPermissionsDocMatchesTable(t *testing.T) {
	const path = "../docs/permissions.md"
	want := PermissionsMarkdown()
	if os.Getenv("TOLLGATE_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run TOLLGATE_UPDATE_DOCS=1 go test ./admin -run TestPermissionsDoc", err)
	}
	if string(got) != want {
		t.Fatalf("docs/permissions.md differs from admin/permissions.go; run TOLLGATE_UPDATE_DOCS=1 go test ./admin -run TestPermissionsDoc")
	}
}

// TestEveryRouteDeclaresAKnownPermission: a route without a permission, or
// with one missing from the table, would be refused to every member.
func TestEveryRouteDeclaresAKnownPermission(t *testing.T) {
	for _, rt := range (&api{}).routes() {
		if rt.public {
			continue
		}
		if _, ok := permissionRoles[rt.perm]; !ok {
			t.Errorf("%s %s declares permission %q, which is not in the table", rt.method, rt.pattern, rt.perm)
		}
	}
}
