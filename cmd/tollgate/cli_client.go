package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/cliconfig"
)

// defaultAddr is the admin listener of a default `tollgate serve`.
const defaultAddr = "http://127.0.0.1:9090"

// cliTimeout bounds every admin API call made by the CLI.
const cliTimeout = 30 * time.Second

// client calls the admin API. Its token is never printed.
type client struct {
	addr, token string
	http        *http.Client
}

// apiError is an admin API failure: {"error":{"code","message"}}. main
// prints it as "tollgate: <code>: <message>" and exits 1.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// configPath returns the login file's path.
func configPath() (string, error) {
	home, _ := os.UserHomeDir()
	return cliconfig.Path(os.Getenv, home)
}

// client resolves the address and token: flag, then environment, then the
// login file. needAuth false allows an empty token (invitation accept).
func (e *cliEnv) client(needAuth bool) (*client, error) {
	c := &client{addr: e.addr, token: e.token, http: &http.Client{Timeout: cliTimeout}}
	fill(&c.addr, os.Getenv("TOLLGATE_ADDR"))
	fill(&c.token, os.Getenv("TOLLGATE_TOKEN"))
	if c.addr == "" || c.token == "" {
		path, err := configPath()
		if err != nil {
			return nil, err
		}
		cfg, err := cliconfig.Load(path)
		if err != nil {
			return nil, err
		}
		fill(&c.addr, cfg.Addr)
		fill(&c.token, cfg.Token)
	}
	fill(&c.addr, defaultAddr)
	c.addr = normalizeAddr(c.addr)
	if needAuth && c.token == "" {
		return nil, errors.New("not logged in: run `tollgate login`, or pass --token or set TOLLGATE_TOKEN")
	}
	return c, nil
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// normalizeAddr accepts host:port or a URL and returns a base URL without a
// trailing slash.
func normalizeAddr(a string) string {
	a = strings.TrimRight(strings.TrimSpace(a), "/")
	if !strings.Contains(a, "://") {
		a = "http://" + a
	}
	return a
}

// do sends one request and returns the raw response body of a 2xx reply; any
// other status becomes an *apiError carrying the API's code and message.
func (c *client) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.addr+path, rd)
	if err != nil {
		return nil, fmt.Errorf("bad address %q: %w", c.addr, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the admin API at %s: %w", c.addr, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the reply of %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, decodeAPIError(resp.StatusCode, b)
	}
	return b, nil
}

func decodeAPIError(status int, b []byte) error {
	var env struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(b, &env) == nil && env.Error != nil && env.Error.Code != "" {
		env.Error.Status = status
		return env.Error
	}
	return &apiError{Status: status, Code: "http_" + fmt.Sprint(status), Message: strings.TrimSpace(string(b))}
}

// workspaceID resolves the workspace: -w, then TOLLGATE_WORKSPACE, then the
// member token's own workspace from GET /v1/me.
func (e *cliEnv) workspaceID(cmd *cobra.Command, c *client) (string, error) {
	if e.workspace != "" {
		return e.workspace, nil
	}
	if ws := os.Getenv("TOLLGATE_WORKSPACE"); ws != "" {
		return ws, nil
	}
	b, err := c.do(cmd.Context(), http.MethodGet, "/v1/me", nil)
	if err != nil {
		return "", err
	}
	var me struct {
		Workspace struct {
			ID string `json:"id"`
		} `json:"workspace"`
	}
	if err := json.Unmarshal(b, &me); err != nil || me.Workspace.ID == "" {
		return "", errNoWorkspace
	}
	return me.Workspace.ID, nil
}

// wsPath returns "/v1/workspaces/{ws}" + suffix, with the ID escaped.
func wsPath(ws, suffix string) string {
	return "/v1/workspaces/" + url.PathEscape(ws) + suffix
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }
