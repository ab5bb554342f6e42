package main

import (
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

// wsCall calls suffix under the resolved workspace and returns the reply.
func (e *cliEnv) wsCall(cmd *cobra.Command, method, suffix string, body any) ([]byte, error) {
	c, err := e.start(cmd, true)
	if err != nil {
		return nil, err
	}
	ws, err := e.workspaceID(cmd, c)
	if err != nil {
		return nil, err
	}
	return c.do(cmd.Context(), method, wsPath(ws, suffix), body)
}

// call calls an absolute API path with authentication.
func (e *cliEnv) call(cmd *cobra.Command, method, path string, body any) ([]byte, error) {
	c, err := e.start(cmd, true)
	if err != nil {
		return nil, err
	}
	return c.do(cmd.Context(), method, path, body)
}

// pageFlags are --limit and --cursor of every list command.
type pageFlags struct {
	limit  int
	cursor string
}

func (p *pageFlags) bind(cmd *cobra.Command) {
	cmd.Flags().IntVar(&p.limit, "limit", 0, "items per page (default: the API's, 50)")
	cmd.Flags().StringVar(&p.cursor, "cursor", "", "continue after the page that printed this cursor")
}

// query returns the page parameters plus extra key/value pairs.
func (p *pageFlags) query(kv ...string) string {
	q := url.Values{}
	if p.limit > 0 {
		q.Set("limit", strconv.Itoa(p.limit))
	}
	if p.cursor != "" {
		q.Set("cursor", p.cursor)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
