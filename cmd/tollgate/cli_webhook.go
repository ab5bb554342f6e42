package main

import (
	"net/http"
	"strconv"

	"github.com/spf13/cobra"
)

var webhookCols = cols("ID", "id", "URL", "url", "EVENTS", "events", "CREATED", "created_at")

var deliveryCols = cols("AT", "at", "WEBHOOK", "webhook_id", "EVENT", "event", "EVENT ID", "event_id",
	"ATTEMPT", "attempt", "STATUS", "status", "DONE", "done", "ERROR", "error")

func webhookCmd(e *cliEnv) *cobra.Command {
	return group("webhook", "Add, list and delete alert webhooks and read their delivery log (owner, admin)",
		"  tollgate webhook add https://billing.example.com/tollgate --event credits.low\n  tollgate webhook deliveries",
		webhookAddCmd(e), webhookListCmd(e), webhookDeleteCmd(e), webhookDeliveriesCmd(e))
}

func webhookAddCmd(e *cliEnv) *cobra.Command {
	var events []string
	c := &cobra.Command{
		Use:   "add URL",
		Short: "Add a receiver of signed alert webhooks; its signing secret is printed once",
		Example: `  tollgate webhook add https://billing.example.com/tollgate
  tollgate webhook add https://hooks.example.com/t --event credits.low --event credits.auto_topup_requested`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{"url": args[0]}
			if len(events) > 0 {
				body["events"] = events
			}
			raw, err := e.wsCall(cmd, http.MethodPost, "/webhooks", body)
			if err != nil {
				return err
			}
			return e.showCreated(cmd, raw, "webhook", webhookCols, "signing secret", "secret")
		},
	}
	c.Flags().StringArrayVar(&events, "event", nil,
		"event type to receive (repeat): credits.low, credits.added, cap.reached, credits.auto_topup_requested (default: all)")
	return c
}

func webhookListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List the workspace's alert webhooks; never their secrets",
		Example: "  tollgate webhook list\n  tollgate webhook list -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/webhooks"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", webhookCols)
		},
	}
	p.bind(c)
	return c
}

func webhookDeleteCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "delete WEBHOOK_ID",
		Short:   "Delete an alert webhook: it receives nothing more",
		Example: "  tollgate webhook delete 01JHOOK",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodDelete, "/webhooks/"+seg(args[0]), nil)
			if err != nil {
				return err
			}
			return e.done(cmd, raw, "Deleted webhook %s.", args[0])
		},
	}
}

func webhookDeliveriesCmd(e *cliEnv) *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "deliveries [WEBHOOK_ID]",
		Short: "Show the newest delivery attempts: event, status, error, done; of one webhook or all",
		Example: `  tollgate webhook deliveries
  tollgate webhook deliveries 01JHOOK --limit 200 -o json`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			suffix := "/deliveries"
			if len(args) == 1 {
				suffix = "/webhooks/" + seg(args[0]) + "/deliveries"
			}
			if limit != 0 {
				suffix += "?limit=" + strconv.Itoa(limit)
			}
			raw, err := e.wsCall(cmd, http.MethodGet, suffix, nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", deliveryCols)
		},
	}
	c.Flags().IntVar(&limit, "limit", 0, "how many of the newest attempts (default 50, at most 500)")
	return c
}
