package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// mcpUpstreams are the MCP upstreams -mcp registers: name and the mock's
// path (see bench/upstream).
var mcpUpstreams = []struct{ name, path string }{{"mcp", "/mcp"}, {"mcpsse", "/mcp-sse"}}

// mcpCall is the benchmark's tools/call request, also sent by run.sh.
const mcpCall = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lookup","arguments":{"key":"k1"}}}`

// registerMCP registers the mock's two MCP endpoints as MCP upstreams of ws.
func (c client) registerMCP(ws, upstream string) error {
	for _, u := range mcpUpstreams {
		up := map[string]any{"name": u.name, "base_url": upstream + u.path, "kind": "mcp", "credential": "sk-bench-mcp"}
		if _, err := c.do("POST", "/v1/workspaces/"+ws+"/upstreams", up, "register MCP upstream "+u.name); err != nil {
			return err
		}
	}
	return nil
}

// probeMCP sends one tools/call through the gateway to each MCP upstream as
// the member and wants 200 with a JSON-RPC result (not an error), so a
// misconfigured target is reported before any load.
func probeMCP(gateway, member string) error {
	for _, u := range mcpUpstreams {
		url := gateway + "/" + u.name
		req, err := http.NewRequest("POST", url, bytes.NewReader([]byte(mcpCall)))
		if err != nil {
			return fmt.Errorf("setup: probe %s: %w", url, err)
		}
		req.Header.Set("Authorization", "Bearer "+member)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := httpc.Do(req)
		if err != nil {
			return fmt.Errorf("setup: probe %s: %w", url, err)
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(`"result"`)) {
			return fmt.Errorf("setup: probe %s: HTTP %d: %s", url, resp.StatusCode, head(raw))
		}
	}
	return nil
}
