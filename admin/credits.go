package admin

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-dev/tollgate/store"
)

// maxNoteLen bounds the note of a transaction or voucher, in characters.
const maxNoteLen = 200

// creditsView is a workspace's money: every amount in micro-credits and, in
// the *_credits twin, as a decimal number of credits for people.
type creditsView struct {
	WorkspaceID      string `json:"workspace_id"`
	Balance          int64  `json:"balance"`
	BalanceCredits   string `json:"balance_credits"`
	Held             int64  `json:"held"` // reserved by requests in flight
	HeldCredits      string `json:"held_credits"`
	Available        int64  `json:"available"` // balance − held: what admission may still reserve
	AvailableCredits string `json:"available_credits"`
}

func viewCredits(ws string, c store.Credits) creditsView {
	return creditsView{WorkspaceID: ws, Balance: c.Balance, BalanceCredits: store.FormatCredits(c.Balance),
		Held: c.Held, HeldCredits: store.FormatCredits(c.Held),
		Available: c.Balance - c.Held, AvailableCredits: store.FormatCredits(c.Balance - c.Held)}
}

func (a *api) getCredits(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	c, err := m.Credits(r.Context(), ws)
	if err != nil {
		return notFound(err, "workspace", ws)
	}
	return writeJSON(w, http.StatusOK, viewCredits(ws, c))
}

// creditRequest adds credits (top-up) or changes them either way (adjustment).
type creditRequest struct {
	amountRequest
	Note string `json:"note"`
}

// transactionResponse is the transaction a call made and the balance after it.
type transactionResponse struct {
	Transaction transactionView `json:"transaction"`
	Credits     creditsView     `json:"credits"`
}

func (a *api) topUp(w http.ResponseWriter, r *http.Request) error {
	return a.addCredits(w, r, store.TxTopUp)
}

func (a *api) adjustCredits(w http.ResponseWriter, r *http.Request) error {
	return a.addCredits(w, r, store.TxAdjustment)
}

// addCredits records an operator's top-up or adjustment in the ledger and
// the balance in one store step, then raises its alerts. With an
// Idempotency-Key the transaction id derives from the key, so a retry
// credits nothing more and answers the first call's transaction (200).
func (a *api) addCredits(w http.ResponseWriter, r *http.Request, kind store.TxKind) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	tx, err := creditTx(w, r, ws, kind)
	if err != nil {
		return err
	}
	alerts, err := m.AddCredits(r.Context(), ws, tx)
	switch {
	case errors.Is(err, store.ErrExists):
		return a.replayCredits(w, r, ws, tx)
	case err != nil:
		return notFound(err, "workspace", ws)
	}
	c := callerOf(r)
	c.target("transaction", tx.ID)
	c.audit.detail = string(kind) + " " + store.FormatCredits(tx.Amount) + " credits"
	a.log.Info("admin: credits changed", "workspace", ws, "kind", kind, "amount", tx.Amount, "tx", tx.ID)
	a.creditsChanged(r.Context(), ws, tx, alerts)
	cr, err := m.Credits(r.Context(), ws)
	if err != nil {
		cr = store.Credits{Balance: tx.Balance} // the change is made; report what the ledger said
	}
	return writeJSON(w, http.StatusCreated, transactionResponse{Transaction: viewTransaction(tx), Credits: viewCredits(ws, cr)})
}

// creditTx reads and checks a top-up or adjustment of workspace ws: its
// body, and its Idempotency-Key, which sets the transaction id.
func creditTx(w http.ResponseWriter, r *http.Request, ws string, kind store.TxKind) (*store.Transaction, error) {
	key, err := idempotencyKey(r)
	if err != nil {
		return nil, err
	}
	var req creditRequest
	if err := decodeBody(w, r, &req); err != nil {
		return nil, err
	}
	amount, err := req.micro(kind == store.TxAdjustment)
	if err != nil {
		return nil, err
	}
	if err := checkNote(req.Note, kind == store.TxAdjustment); err != nil {
		return nil, err
	}
	tx := &store.Transaction{Kind: kind, Amount: amount, Actor: inviterID(callerOf(r)), Note: strings.TrimSpace(req.Note)}
	if key != "" {
		tx.ID = idempotentTxID(ws, key)
	}
	return tx, nil
}

// checkNote validates a note: printable, at most maxNoteLen characters;
// required when a person must say why (adjustments).
func checkNote(s string, required bool) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return errInvalid("note: required; say why the balance changes")
	case utf8.RuneCountInString(s) > maxNoteLen:
		return errInvalid("note: at most %d characters", maxNoteLen)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return errInvalid("note: must be printable text")
	}
	return nil
}
