package main

import (
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// usageCols are the columns of a usage table; BUCKET is added when the
// report has buckets.
var usageCols = cols("GROUP", "group", "NAME", "label", "REQUESTS", "requests", "TOOL CALLS", "tool_calls",
	"ERRORS", "errors", "INPUT", "tokens.input", "OUTPUT", "tokens.output", "CACHE READ", "tokens.cached_read",
	"CACHE WRITE", "tokens.cached_write", "REASONING", "tokens.reasoning", "CREDITS", "cost_credits",
	"LAST ACTIVE", "last_active")

func usageCmd(e *cliEnv) *cobra.Command {
	var by, since, until, bucket string
	var me bool
	c := &cobra.Command{
		Use:   "usage",
		Short: "Usage analytics: requests, tool calls, tokens by type, credits, errors, last active; -o csv exports",
		Long: `Usage analytics of the workspace from the hourly roll-ups, grouped --by member, key,
model, upstream or tool and bucketed by hour or day. Owners, admins and readers see the
whole workspace; a member sees its own usage. --me shows the caller's own usage.
-o table (default) prints a table with a TOTAL row; -o json the report; -o csv the
CSV export (RFC 4180, header row).`,
		Example: `  tollgate usage --by member --since 7d
  tollgate usage --by model --since 30d --bucket day -o csv > usage.csv
  tollgate usage --me --by model`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.output != "table" && e.output != "json" && e.output != "csv" {
				return usagef(cmd, "-o/--output: want table, json or csv, got %q", e.output)
			}
			c, err := e.client(true)
			if err != nil {
				return err
			}
			ws, err := e.workspaceID(cmd, c)
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"by": by, "since": since, "until": until, "bucket": bucket} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if e.output == "csv" {
				q.Set("format", "csv")
			}
			path := "/usage"
			if me {
				path = "/usage/me"
			}
			raw, err := c.do(cmd.Context(), http.MethodGet, wsPath(ws, path)+"?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			if e.output == "csv" {
				_, err = cmd.OutOrStdout().Write(raw)
				return err
			}
			return e.showUsage(cmd, raw)
		},
	}
	f := c.Flags()
	f.StringVar(&by, "by", "", "group by member, key, model, upstream, tool or member_tool (member × tool) (default: no grouping)")
	f.StringVar(&since, "since", "", "start: RFC 3339 or an age such as 7d or 36h (default 7d)")
	f.StringVar(&until, "until", "", "end, exclusive: RFC 3339 or an age (default now)")
	f.StringVar(&bucket, "bucket", "", "rows per hour or day (default: one row per group)")
	f.BoolVar(&me, "me", false, "only your own usage (member token)")
	return c
}

// showUsage prints a usage report: as is with -o json, else a table of its
// rows and a TOTAL row.
func (e *cliEnv) showUsage(cmd *cobra.Command, raw []byte) error {
	if e.json() {
		return e.show(cmd, raw, "", nil)
	}
	v, err := decode(raw)
	if err != nil {
		return err
	}
	rows, _ := lookup(v, "rows").([]any)
	columns := usageCols
	if b, _ := lookup(v, "bucket").(string); b == "hour" || b == "day" {
		columns = append(cols("BUCKET", "bucket"), usageCols...)
	}
	if total, ok := lookup(v, "totals").(map[string]any); ok {
		total["group"] = "TOTAL"
		rows = append(rows, total)
	}
	return table(cmd.OutOrStdout(), rows, columns)
}
