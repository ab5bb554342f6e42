package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// microPerCredit is the number of micro-credits in a credit: the API takes
// and gives money as integer micro-credits, people type and read credits.
const microPerCredit = 1_000_000

var txCols = cols("AT", "at", "KIND", "kind", "AMOUNT", "amount_credits", "BALANCE", "balance_credits",
	"ACTOR", "actor", "MEMBER", "member_id", "KEY", "key_id", "NOTE", "note", "ID", "id")

func creditsCmd(e *cliEnv) *cobra.Command {
	return group("credits", "Show the workspace's credits, top them up (operator) and read the ledger",
		"  tollgate credits balance\n  tollgate credits topup 100 -w 01JABCDEF --note \"invoice 2026-114\"\n  tollgate credits transactions --since 30d",
		creditsBalanceCmd(e), creditsTopUpCmd(e), creditsAdjustCmd(e), creditsTransactionsCmd(e))
}

func creditsBalanceCmd(e *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "balance",
		Short:   "Show the balance, what requests in flight hold, and what is available, in credits (owner, admin)",
		Example: "  tollgate credits balance\n  tollgate credits balance -w 01JABCDEF -o json",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/credits", nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", cols("WORKSPACE", "workspace_id", "BALANCE", "balance_credits",
				"HELD", "held_credits", "AVAILABLE", "available_credits"))
		},
	}
}

func creditsTopUpCmd(e *cliEnv) *cobra.Command {
	var note string
	c := &cobra.Command{
		Use:   "topup CREDITS",
		Short: "Add credits bought to a workspace (operator); CREDITS is a decimal such as 100 or 12.5",
		Example: `  tollgate credits topup 100 -w 01JABCDEF
  tollgate credits topup 12.5 -w 01JABCDEF --note "invoice 2026-114"`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := creditsToMicro(cmd, "CREDITS", args[0]); err != nil {
				return err
			}
			return e.changeCredits(cmd, "/credits/topup", map[string]any{"credits": args[0], "note": note})
		},
	}
	c.Flags().StringVar(&note, "note", "", "what the credits are for, such as an invoice number")
	return c
}

func creditsAdjustCmd(e *cliEnv) *cobra.Command {
	var amount, note string
	c := &cobra.Command{
		Use:   "adjust --credits AMOUNT --note WHY",
		Short: "Correct a workspace's balance either way (operator); the note says why",
		Example: `  tollgate credits adjust -w 01JABCDEF --credits -2.5 --note "refund of a duplicate top-up"
  tollgate credits adjust -w 01JABCDEF --credits 1 --note "goodwill"`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "credits", "note"); err != nil {
				return err
			}
			if _, err := creditsToMicro(cmd, "--credits", amount); err != nil {
				return err
			}
			return e.changeCredits(cmd, "/credits/adjust", map[string]any{"credits": amount, "note": note})
		},
	}
	c.Flags().StringVar(&amount, "credits", "", "signed decimal number of credits, such as -2.5")
	c.Flags().StringVar(&note, "note", "", "why the balance changes (required)")
	return c
}

// changeCredits posts a top-up or adjustment and prints the transaction and
// the balance after it.
func (e *cliEnv) changeCredits(cmd *cobra.Command, suffix string, body map[string]any) error {
	raw, err := e.wsCall(cmd, http.MethodPost, suffix, body)
	if err != nil {
		return err
	}
	if err := e.show(cmd, raw, "transaction", txCols); err != nil || e.json() {
		return err
	}
	v, _ := decode(raw)
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "Balance: %s credits (%s available).\n",
		cell(lookup(v, "credits.balance_credits")), cell(lookup(v, "credits.available_credits")))
	return err
}

func creditsTransactionsCmd(e *cliEnv) *cobra.Command {
	var since, until string
	var p pageFlags
	c := &cobra.Command{
		Use:   "transactions",
		Short: "List the ledger newest first: top-ups, vouchers, adjustments and hourly usage (owner, admin)",
		Example: `  tollgate credits transactions
  tollgate credits transactions --since 30d --limit 100 -o json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			raw, err := e.wsCall(cmd, http.MethodGet, "/transactions"+p.query("since", since, "until", until), nil)
			if err != nil {
				return err
			}
			return e.show(cmd, raw, "", txCols)
		},
	}
	c.Flags().StringVar(&since, "since", "", "only entries from this time: RFC 3339 or an age such as 30d")
	c.Flags().StringVar(&until, "until", "", "only entries before this time: RFC 3339 or an age")
	p.bind(c)
	return c
}

// creditsToMicro reads a decimal number of credits (at most 6 decimals,
// optionally negative) into micro-credits; a bad value is a usage error
// naming what (a flag or argument).
func creditsToMicro(cmd *cobra.Command, what, s string) (int64, error) {
	bad := func() (int64, error) {
		return 0, usagef(cmd, "%s: want a number of credits with at most 6 decimals, such as 12.5, got %q", what, s)
	}
	neg := strings.HasPrefix(s, "-")
	whole, frac, dot := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || dot && frac == "" || len(frac) > 6 || len(whole) > 10 {
		return bad()
	}
	w, err1 := strconv.ParseUint(whole, 10, 64)
	f, err2 := uint64(0), error(nil)
	if frac != "" {
		f, err2 = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	if err1 != nil || err2 != nil {
		return bad()
	}
	v := int64(w)*microPerCredit + int64(f)
	if neg {
		v = -v
	}
	return v, nil
}

// forPeople returns raw for a table: next to each named micro-credit field
// of every item (or of the object at root), a "<field>_credits" decimal that
// columns can show. With -o json, or when raw is not JSON, raw comes back as is.
func (e *cliEnv) forPeople(raw []byte, root string, fields ...string) []byte {
	if e.json() {
		return raw
	}
	v, err := decode(raw)
	if err != nil {
		return raw
	}
	target := v
	if root != "" {
		target = lookup(v, root)
	}
	rows := []any{target}
	if m, ok := target.(map[string]any); ok {
		if items, ok := m["items"].([]any); ok {
			rows = items
		}
	}
	for _, r := range rows {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		for _, f := range fields {
			if n, ok := m[f].(json.Number); ok {
				if i, err := n.Int64(); err == nil && i != 0 {
					m[f+"_credits"] = microText(i)
				}
			}
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

// microText formats micro-credits as a decimal number of credits.
func microText(v int64) string {
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign, u = "-", -u
	}
	s := sign + strconv.FormatUint(u/microPerCredit, 10)
	if frac := u % microPerCredit; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}
