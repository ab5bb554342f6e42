package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// highRPM is a rate limit the benchmark can never reach, so no request is
// denied and every target does the same work.
const highRPM = 100000000

// provision creates the benchmark's workspace, limits, upstream and member,
// probes the gateway once and returns the member token.
func provision(args []string) (string, error) {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	admin := fs.String("admin", "", "admin API base URL, e.g. http://127.0.0.1:9091")
	gateway := fs.String("gateway", "", "gateway base URL, e.g. http://127.0.0.1:9090")
	upstream := fs.String("upstream", "", "mock upstream base URL")
	path := fs.String("path", "/mock/v1/chat/completions", "gateway path probed once")
	credits := fs.String("credits", "", "top up the workspace with this many credits (a decimal, e.g. 1000000); needs a pricing section for them to matter")
	memberCap := fs.Int64("member-cap", 0, "member monthly spend cap in micro-credits; 0 sets none")
	withMCP := fs.Bool("mcp", false, "also register the mock's MCP server as upstreams mcp (JSON answers) and mcpsse (SSE answers), and probe a tools/call through each")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if *admin == "" || *gateway == "" || *upstream == "" {
		return "", errors.New("setup: provision needs -admin, -gateway and -upstream")
	}
	if *memberCap < 0 {
		return "", fmt.Errorf("setup: -member-cap must not be negative, got %d", *memberCap)
	}
	op := os.Getenv("TOLLGATE_BENCH_OPERATOR")
	if op == "" {
		return "", errors.New("setup: TOLLGATE_BENCH_OPERATOR is empty")
	}
	c := client{base: strings.TrimRight(*admin, "/"), token: op}
	ws, err := c.createWorkspace("bench")
	if err != nil {
		return "", err
	}
	limits := map[string]any{"member_rpm": highRPM, "key_rpm": highRPM, "workspace_rpm": highRPM}
	if _, err := c.do("PUT", "/v1/workspaces/"+ws+"/limits", limits, "set limits"); err != nil {
		return "", err
	}
	up := map[string]any{"name": "mock", "base_url": *upstream, "kind": "llm", "credential": "sk-bench-upstream"}
	if _, err := c.do("POST", "/v1/workspaces/"+ws+"/upstreams", up, "register upstream"); err != nil {
		return "", err
	}
	if *withMCP {
		if err := c.registerMCP(ws, strings.TrimRight(*upstream, "/")); err != nil {
			return "", err
		}
	}
	if *credits != "" {
		topup := map[string]any{"credits": *credits, "note": "benchmark"}
		if _, err := c.do("POST", "/v1/workspaces/"+ws+"/credits/topup", topup, "top up credits"); err != nil {
			return "", err
		}
	}
	member, id, err := c.createMember(ws, "bench@example.com")
	if err != nil {
		return "", err
	}
	if *memberCap > 0 {
		if id == "" {
			return "", errors.New("setup: set member cap: the create member response has no member id")
		}
		limit := map[string]any{"monthly_credits": *memberCap}
		if _, err := c.do("PATCH", "/v1/workspaces/"+ws+"/members/"+id, limit, "set member cap"); err != nil {
			return "", err
		}
	}
	if err := probe(strings.TrimRight(*gateway, "/")+*path, member); err != nil {
		return "", err
	}
	if *withMCP {
		if err := probeMCP(strings.TrimRight(*gateway, "/"), member); err != nil {
			return "", err
		}
	}
	return member, nil
}

// createWorkspace creates a workspace and returns the identifier to use in
// paths: its id when the response carries one, else its name.
func (c client) createWorkspace(name string) (string, error) {
	m, err := c.do("POST", "/v1/workspaces",
		map[string]any{"name": name, "owner_email": "bench-owner@example.com"}, "create workspace")
	if err != nil {
		return "", err
	}
	if w, ok := m["workspace"].(map[string]any); ok {
		if id := pick(w, "id"); id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("setup: create workspace: no workspace id in the reply")
}

// createMember adds a member and returns its token, which the response
// carries either as a string or as an object with a token field, and its
// member id.
func (c client) createMember(ws, email string) (tok, id string, err error) {
	m, err := c.do("POST", "/v1/workspaces/"+ws+"/members",
		map[string]any{"email": email, "role": "member"}, "create member")
	if err != nil {
		return "", "", err
	}
	if o, ok := m["member"].(map[string]any); ok {
		id = pick(o, "id")
	}
	if t := pick(m, "token"); t != "" {
		return t, id, nil
	}
	if o, ok := m["token"].(map[string]any); ok {
		for _, k := range []string{"token", "value", "secret"} {
			if t := pick(o, k); t != "" {
				return t, id, nil
			}
		}
	}
	return "", "", fmt.Errorf("setup: create member: response has no token (fields: %s)", keys(m))
}

func pick(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(ks, ", ")
}
