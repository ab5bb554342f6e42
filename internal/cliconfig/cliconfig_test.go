package cliconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSaveLoadModes checks the token file is private (0600 in a 0700
// directory) and round-trips, because it holds a secret.
func TestSaveLoadModes(t *testing.T) {
	base := t.TempDir()
	path, err := Path(func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return base
		}
		return ""
	}, "/nonexistent")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "tollgate", "config.json"); path != want {
		t.Fatalf("path %q, want %q", path, want)
	}
	in := Config{Addr: "http://127.0.0.1:9090", Token: "tgo_secret"}
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, in); err != nil { // overwrite keeps the modes
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, st.Mode().Perm(), want)
		}
	}
	out, err := Load(path)
	if err != nil || out != in {
		t.Fatalf("Load = %+v, %v; want %+v", out, err, in)
	}
}

// TestPathFallsBackToHome checks ~/.config is used without XDG_CONFIG_HOME.
func TestPathFallsBackToHome(t *testing.T) {
	p, err := Path(func(string) string { return "" }, "/home/ada")
	if err != nil || p != "/home/ada/.config/tollgate/config.json" {
		t.Fatalf("Path = %q, %v", p, err)
	}
	if _, err := Path(func(string) string { return "" }, ""); err == nil {
		t.Fatal("Path with no home: want an error")
	}
}

// TestLoadMissingIsEmpty checks a missing file is not an error, and a
// corrupt one is, naming the file.
func TestLoadMissingIsEmpty(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(filepath.Join(dir, "none.json"))
	if err != nil || c != (Config{}) {
		t.Fatalf("Load missing = %+v, %v", c, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"addr":1}`), 0o600)
	if _, err := Load(bad); err == nil {
		t.Fatal("Load corrupt: want an error")
	}
}
