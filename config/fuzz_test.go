package config

import (
	"strings"
	"testing"
)

// FuzzParse: arbitrary bytes never panic the loader, and whatever it accepts validates.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "listen: 127.0.0.1:1\n", "store: {timeout: 1s, breaker: {failures: 2}}\n",
		"a: &x [*x]\n", "store: &s {timeout: 1s}\nproxy: *s\n", "- 1\n", "store:\n  <<: {timeout: 1s}\n",
		"log: !!binary aGVsbG8=\n", "proxy: {max_body_bytes: 0x7fffffffffffffff}\n", "---\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Fatalf("error without package prefix: %q", err)
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("accepted config does not validate: %v", verr)
		}
	})
}
