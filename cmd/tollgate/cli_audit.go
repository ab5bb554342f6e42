package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var auditCols = cols("TIME", "time", "ACTOR", "actor_kind", "ACTOR ID", "actor_id", "EMAIL", "actor_email",
	"ACTION", "action", "TARGET", "target_kind", "TARGET ID", "target_id", "FROM", "addr")

// auditFilter holds the filters of `audit list` and `audit export`.
type auditFilter struct {
	since, until, actor string
}

func (f *auditFilter) bind(c *cobra.Command) {
	c.Flags().StringVar(&f.since, "since", "", "only entries at or after this time, RFC 3339")
	c.Flags().StringVar(&f.until, "until", "", "only entries before this time, RFC 3339")
	c.Flags().StringVar(&f.actor, "actor", "", "only entries by this actor (member ID)")
}

func auditCmd(e *cliEnv) *cobra.Command {
	return group("audit", "Read and export the workspace's audit log of admin actions",
		"  tollgate audit list --since 2026-01-01T00:00:00Z\n  tollgate audit export > audit.jsonl",
		auditListCmd(e), auditExportCmd(e))
}

func auditListCmd(e *cliEnv) *cobra.Command {
	var f auditFilter
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List audit entries: who, what, target, when, from where (owner, admin, reader)",
		Example: "  tollgate audit list --actor 01JMEMBER\n  tollgate audit list --since 2026-03-01T00:00:00Z -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/audit"+p.query("since", f.since, "until", f.until, "actor", f.actor), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", auditCols)
		},
	}
	f.bind(c)
	p.bind(c)
	return c
}

func auditExportCmd(e *cliEnv) *cobra.Command {
	var f auditFilter
	c := &cobra.Command{
		Use:     "export",
		Short:   "Export the audit log as JSON lines, one entry per line (the same filters as list)",
		Example: "  tollgate audit export --since 2026-01-01T00:00:00Z > audit.jsonl",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p pageFlags
			raw, err := e.wsCall(cmd, http.MethodGet, "/audit:export"+p.query("since", f.since, "until", f.until, "actor", f.actor), nil)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		},
	}
	f.bind(c)
	return c
}
