package admin

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// transactionView is one ledger entry. Balance is set on explicit
// transactions (top-up, voucher, adjustment), not on hourly usage rows.
type transactionView struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"` // topup, voucher, usage or adjustment
	Amount         int64     `json:"amount"`
	AmountCredits  string    `json:"amount_credits"`
	Balance        *int64    `json:"balance,omitempty"`
	BalanceCredits string    `json:"balance_credits,omitempty"`
	Actor          string    `json:"actor,omitempty"`
	Note           string    `json:"note,omitempty"`
	VoucherID      string    `json:"voucher_id,omitempty"`
	MemberID       string    `json:"member_id,omitempty"`
	KeyID          string    `json:"key_id,omitempty"`
	At             time.Time `json:"at"` // usage rows: the start of the hour
}

func viewTransaction(t *store.Transaction) transactionView {
	v := transactionView{ID: t.ID, Kind: string(t.Kind), Amount: t.Amount, AmountCredits: store.FormatCredits(t.Amount),
		Actor: t.Actor, Note: t.Note, VoucherID: t.Voucher, MemberID: t.Member, KeyID: t.Key, At: t.At}
	if t.Kind != store.TxUsage {
		b := t.Balance
		v.Balance, v.BalanceCredits = &b, store.FormatCredits(b)
	}
	return v
}

// listTransactions answers one page of the ledger, newest first, with
// ?since and ?until (RFC 3339 or an age such as 7d), ?limit and ?cursor.
func (a *api) listTransactions(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := store.TxQuery{Limit: p.Limit, Cursor: p.After}
	if q.Since, q.Until, err = timeRange(r, a.now()); err != nil {
		return err
	}
	txs, next, err := m.Transactions(r.Context(), ws, q)
	if err != nil {
		return err
	}
	out := page[transactionView]{Items: make([]transactionView, 0, len(txs))}
	for i := range txs {
		out.Items = append(out.Items, viewTransaction(&txs[i]))
	}
	if next != "" {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return writeJSON(w, http.StatusOK, out)
}

// timeRange reads the optional ?since and ?until of a list (zero when
// absent): RFC 3339 times or ages before now.
func timeRange(r *http.Request, now time.Time) (since, until time.Time, err error) {
	q := r.URL.Query()
	if s := q.Get("since"); s != "" {
		if since, err = parseWhen("since", s, now); err != nil {
			return
		}
	}
	if s := q.Get("until"); s != "" {
		if until, err = parseWhen("until", s, now); err != nil {
			return
		}
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		err = errInvalid("since: %s is not before until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	return
}
