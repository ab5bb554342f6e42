package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client calls the admin API as the operator.
type client struct {
	base  string
	token string
}

var httpc = &http.Client{Timeout: 10 * time.Second}

// do sends body as JSON and decodes a JSON object answer. A status outside
// 2xx is an error naming step, status and the start of the body.
func (c client) do(method, path string, body any, step string) (map[string]any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("setup: %s: %w", step, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("setup: %s: %w", step, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("setup: %s: %s %s: HTTP %d: %s", step, method, path, resp.StatusCode, head(raw))
	}
	m := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("setup: %s: answer is not a JSON object: %v", step, err)
		}
	}
	return m, nil
}

// probe sends one chat completion through the gateway as the member and
// wants 200, so a misconfigured target is reported before any load.
func probe(url, member string) error {
	body := []byte(`{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}`)
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("setup: probe: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+member)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpc.Do(req)
	if err != nil {
		return fmt.Errorf("setup: probe %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("setup: probe %s: HTTP %d: %s", url, resp.StatusCode, head(raw))
	}
	return nil
}

// head returns at most 300 bytes of b for an error message.
func head(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(bytes.TrimSpace(b))
}
