package main

import (
	"net/http"

	"github.com/spf13/cobra"
)

var voucherCols = cols("ID", "id", "AMOUNT", "amount_credits", "STATUS", "status", "EXPIRES", "expires_at",
	"REDEEMED BY", "redeemed_by", "REDEEMED", "redeemed_at", "CREATED", "created_at", "NOTE", "note")

func voucherCmd(e *cliEnv) *cobra.Command {
	return group("voucher", "Create and list credit vouchers (operator); redeem one into a workspace (owner)",
		"  tollgate voucher create 50 --expires-in 30d --note \"conference promo\"\n  tollgate voucher redeem tgv_…",
		voucherCreateCmd(e), voucherListCmd(e), voucherRedeemCmd(e))
}

func voucherCreateCmd(e *cliEnv) *cobra.Command {
	var expiresIn, expiresAt, note string
	c := &cobra.Command{
		Use:   "create CREDITS",
		Short: "Create a voucher worth CREDITS (operator); its code is printed once",
		Example: `  tollgate voucher create 50
  tollgate voucher create 12.5 --expires-in 7d --note "onboarding"
  tollgate voucher create 100 --expires-at 2026-12-31T23:59:59Z -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := creditsToMicro(cmd, "CREDITS", args[0]); err != nil {
				return err
			}
			if expiresIn != "" && expiresAt != "" {
				return usagef(cmd, "--expires-in and --expires-at: give one, not both")
			}
			body := map[string]any{"credits": args[0], "note": note}
			if expiresIn != "" {
				body["expires_in"] = expiresIn
			}
			if expiresAt != "" {
				body["expires_at"] = expiresAt
			}
			raw, err := e.call(cmd, http.MethodPost, "/v1/vouchers", body)
			if err != nil {
				return err
			}
			return e.showCreated(cmd, raw, "voucher", voucherCols, "voucher code", "code")
		},
	}
	c.Flags().StringVar(&expiresIn, "expires-in", "", "how long the voucher stays valid, such as 30d or 72h (default 30d)")
	c.Flags().StringVar(&expiresAt, "expires-at", "", "expiry time, RFC 3339 (instead of --expires-in)")
	c.Flags().StringVar(&note, "note", "", "what the voucher is for")
	return c
}

func voucherListCmd(e *cliEnv) *cobra.Command {
	var p pageFlags
	c := &cobra.Command{
		Use:     "list",
		Short:   "List vouchers with amount, status and who redeemed them (operator); never their codes",
		Example: "  tollgate voucher list\n  tollgate voucher list -o json --limit 200",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.call(cmd, http.MethodGet, "/v1/vouchers"+p.query(), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", voucherCols)
		},
	}
	p.bind(c)
	return c
}

func voucherRedeemCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "redeem CODE",
		Short:   "Redeem a voucher into the workspace (owner): its credits are added once",
		Example: "  tollgate voucher redeem tgv_3kQ…\n  tollgate voucher redeem tgv_3kQ… -w 01JABCDEF -o json",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := e.wsCall(cmd, http.MethodPost, "/vouchers/redeem", map[string]any{"code": args[0]})
			if err != nil {
				return err
			}
			v, _ := decode(raw)
			return e.done(cmd, raw, "Redeemed %s credits; the balance is %s credits.",
				cell(lookup(v, "transaction.amount_credits")), cell(lookup(v, "credits.balance_credits")))
		},
	}
}
