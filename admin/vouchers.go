package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// Voucher lifetimes.
const (
	defaultVoucherTTL = 30 * 24 * time.Hour
	maxVoucherTTL     = 5 * 366 * 24 * time.Hour
)

// createVoucherRequest makes a voucher worth an amount, valid until an
// expiry given as an age (expires_in: 30d, 72h) or a time (expires_at,
// RFC 3339); neither is 30 days.
type createVoucherRequest struct {
	amountRequest
	ExpiresIn string `json:"expires_in"`
	ExpiresAt string `json:"expires_at"`
	Note      string `json:"note"`
}

// voucherView describes a voucher; never its code, which only its creation
// shows.
type voucherView struct {
	ID            string     `json:"id"`
	Amount        int64      `json:"amount"`
	AmountCredits string     `json:"amount_credits"`
	Note          string     `json:"note,omitempty"`
	Status        string     `json:"status"` // unused, redeemed or expired
	ExpiresAt     time.Time  `json:"expires_at"`
	CreatedAt     time.Time  `json:"created_at"`
	RedeemedBy    string     `json:"redeemed_by,omitempty"` // the workspace
	RedeemedAt    *time.Time `json:"redeemed_at,omitempty"`
}

func viewVoucher(v *store.Voucher, now time.Time) voucherView {
	status := "unused"
	switch {
	case v.RedeemedBy != "":
		status = "redeemed"
	case !now.Before(v.ExpiresAt):
		status = "expired"
	}
	return voucherView{ID: v.ID, Amount: v.Amount, AmountCredits: store.FormatCredits(v.Amount), Note: v.Note,
		Status: status, ExpiresAt: v.ExpiresAt, CreatedAt: v.CreatedAt, RedeemedBy: v.RedeemedBy,
		RedeemedAt: optTime(v.RedeemedAt)}
}

// voucherCreated carries a new voucher: the only time Code is shown.
type voucherCreated struct {
	Voucher voucherView `json:"voucher"`
	Code    string      `json:"code"`
}

// createVoucher makes a voucher (operator). The store keeps the code's hash.
func (a *api) createVoucher(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	var req createVoucherRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	amount, err := req.micro(false)
	if err != nil {
		return err
	}
	now := a.now().UTC()
	expires, err := req.expiry(now)
	if err != nil {
		return err
	}
	if err := checkNote(req.Note, false); err != nil {
		return err
	}
	code, err := newVoucherCode()
	if err != nil {
		return err
	}
	v := &store.Voucher{ID: token.NewID(), Hash: token.HashOf([]byte(code)), Amount: amount,
		Note: strings.TrimSpace(req.Note), ExpiresAt: expires, CreatedAt: now}
	if err := m.CreateVoucher(r.Context(), v); err != nil {
		return err
	}
	c := callerOf(r)
	c.target("voucher", v.ID)
	c.audit.detail = "voucher of " + store.FormatCredits(amount) + " credits"
	a.log.Info("admin: voucher created", "voucher", v.ID, "amount", amount)
	return writeJSON(w, http.StatusCreated, voucherCreated{Voucher: viewVoucher(v, now), Code: code})
}

// expiry returns the voucher's expiry at now.
func (req *createVoucherRequest) expiry(now time.Time) (time.Time, error) {
	switch {
	case req.ExpiresIn != "" && req.ExpiresAt != "":
		return time.Time{}, errInvalid("expires_in, expires_at: give one, not both")
	case req.ExpiresAt != "":
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		if err != nil {
			return t, errInvalid("expires_at: want an RFC 3339 time such as 2030-01-02T15:04:05Z, got %q", clip(req.ExpiresAt))
		}
		if !t.After(now) || t.Sub(now) > maxVoucherTTL {
			return t, errInvalid("expires_at: must be in the future and within 5 years, got %s", req.ExpiresAt)
		}
		return t.UTC(), nil
	case req.ExpiresIn != "":
		d, ok := parseTTL(req.ExpiresIn)
		if !ok {
			return time.Time{}, errInvalid("expires_in: want an age such as 30d or 72h, at most 5 years, got %q", clip(req.ExpiresIn))
		}
		return now.Add(d), nil
	}
	return now.Add(defaultVoucherTTL), nil
}

// parseTTL reads a whole number of days (30d) or a positive Go duration of
// at most maxVoucherTTL.
func parseTTL(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok && allDigits(n) && len(n) > 0 && len(n) <= 4 {
		var days int
		for i := 0; i < len(n); i++ {
			days = days*10 + int(n[i]-'0')
		}
		d := time.Duration(days) * 24 * time.Hour
		return d, days > 0 && d <= maxVoucherTTL
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0 && d <= maxVoucherTTL
}

// listVouchers lists every voucher (operator), by id.
func (a *api) listVouchers(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	all, err := m.ListVouchers(r.Context())
	if err != nil {
		return err
	}
	now := a.now()
	return listResponse(w, r, all, nil, func(v *store.Voucher) string { return v.ID },
		func(v *store.Voucher) voucherView { return viewVoucher(v, now) })
}

type redeemVoucherRequest struct {
	Code string `json:"code"`
}

// redeemVoucher credits the workspace with a voucher (owner): once only,
// before its expiry.
func (a *api) redeemVoucher(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req redeemVoucherRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	code := strings.TrimSpace(req.Code)
	if code == "" {
		return errInvalid("code: required, the voucher code (tgv_…)")
	}
	if !validVoucherCode(code) {
		return newError(http.StatusNotFound, CodeVoucherUnknown, "code: not a valid voucher code (tgv_ and 49 letters and digits); check for a typo")
	}
	c := callerOf(r)
	tx, alerts, err := m.RedeemVoucher(r.Context(), ws, token.HashOf([]byte(code)), inviterID(c))
	if err != nil {
		return redeemError(err)
	}
	c.target("voucher", tx.Voucher)
	c.audit.detail = "voucher of " + store.FormatCredits(tx.Amount) + " credits"
	a.log.Info("admin: voucher redeemed", "workspace", ws, "voucher", tx.Voucher, "amount", tx.Amount)
	a.creditsChanged(r.Context(), ws, tx, alerts)
	cr, err := m.Credits(r.Context(), ws)
	if err != nil {
		cr = store.Credits{Balance: tx.Balance}
	}
	return writeJSON(w, http.StatusOK, transactionResponse{Transaction: viewTransaction(tx), Credits: viewCredits(ws, cr)})
}

// redeemError maps the store's answers to a redemption onto stable codes.
func redeemError(err error) error {
	switch {
	case errors.Is(err, store.ErrVoucherUsed):
		return newError(http.StatusConflict, CodeVoucherUsed, "code: this voucher was redeemed already")
	case errors.Is(err, store.ErrVoucherExpired):
		return newError(http.StatusGone, CodeVoucherExpired, "code: this voucher has expired")
	case errors.Is(err, store.ErrNotFound):
		return newError(http.StatusNotFound, CodeVoucherUnknown, "code: no voucher has this code")
	}
	return err
}
