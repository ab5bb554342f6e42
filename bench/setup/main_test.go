package main

import (
	"strings"
	"testing"
)

// TestRunRefusesUnknownSubcommand checks a typo gets an error naming it.
func TestRunRefusesUnknownSubcommand(t *testing.T) {
	err := run([]string{"provison"})
	if err == nil || !strings.Contains(err.Error(), `"provison"`) {
		t.Fatalf("err = %v, want one naming the subcommand", err)
	}
	if err := run(nil); err == nil {
		t.Fatal("no subcommand: want an error")
	}
}

// TestProvisionNeedsURLs checks missing flags are named before any request.
func TestProvisionNeedsURLs(t *testing.T) {
	_, err := provision([]string{"-admin", "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "-gateway") {
		t.Fatalf("err = %v, want one naming -gateway", err)
	}
}

// TestProvisionRefusesNegativeCap checks a negative -member-cap is named
// before any request, rather than sent to the admin API.
func TestProvisionRefusesNegativeCap(t *testing.T) {
	t.Setenv("TOLLGATE_BENCH_OPERATOR", "tgo_x")
	_, err := provision([]string{"-admin", "http://127.0.0.1:1", "-gateway", "http://127.0.0.1:1",
		"-upstream", "http://127.0.0.1:1", "-member-cap", "-5"})
	if err == nil || !strings.Contains(err.Error(), "-member-cap") {
		t.Fatalf("err = %v, want one naming -member-cap", err)
	}
}
