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
