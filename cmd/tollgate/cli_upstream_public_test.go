package main

import (
	"strings"
	"testing"
)

// cliPublicUpstreams: the operator registers a public upstream with
// --public; the workspace's upstream list shows it marked public, and
// list --public shows the operator's public upstreams only.
func cliPublicUpstreams(t *testing.T, w *cliRunner) {
	secret := "sk-public-cli-never-shown"
	out := w.with("PUB_KEY="+secret).ok("upstream", "add", "shared-llm", "--public", "--url", "http://127.0.0.1:9/v1", "--kind", "llm", "--credential-env", "PUB_KEY")
	mustContain(t, "upstream add --public", out, "shared-llm", "000000000000")
	var got struct {
		Items []struct {
			Name   string
			Public bool
		}
	}
	w.okJSON(&got, "upstream", "list", "-o", "json")
	found := false
	for _, u := range got.Items {
		if u.Name == "shared-llm" {
			found = u.Public
		}
	}
	if !found {
		t.Fatalf("workspace upstream list %+v: want shared-llm marked public", got.Items)
	}
	pub := w.ok("upstream", "list", "--public")
	mustContain(t, "upstream list --public", pub, "PUBLIC", "shared-llm")
	if strings.Contains(pub, "openai") || strings.Contains(pub+out, secret) {
		t.Fatalf("list --public shows a private upstream or the credential:\n%s", pub)
	}
}

// cliKeyModelLimits: key create --model-limit sends model_limits; a bad
// flag is a usage error (exit 2) and a bad name the API's error (exit 1).
func cliKeyModelLimits(t *testing.T, w *cliRunner) {
	var got struct {
		Key struct {
			ModelLimits map[string]struct{ RPM int64 } `json:"model_limits"`
		}
	}
	w.okJSON(&got, "key", "create", "model-bot", "--model-limit", "gpt-4o=10", "--model-limit", "small=100", "-o", "json")
	if got.Key.ModelLimits["gpt-4o"].RPM != 10 || got.Key.ModelLimits["small"].RPM != 100 {
		t.Fatalf("key create --model-limit: %+v", got)
	}
	w.fail(2, "key", "create", "bad", "--model-limit", "gpt-4o")
	mustContain(t, "bad model name", w.fail(1, "key", "create", "bad", "--model-limit", "gpt 4o=1"), "gpt 4o")
}
