package admin

import (
	"crypto/sha256"
	"errors"
	"math/big"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// headerIdempotencyKey names the request header that makes a top-up or an
// adjustment safe to retry: the same key in the same workspace credits
// once, and a retry answers the transaction the first call made.
const headerIdempotencyKey = "Idempotency-Key"

// maxIdempotencyKeyLen bounds an Idempotency-Key, in bytes.
const maxIdempotencyKeyLen = 255

// idempotencyKey returns the request's Idempotency-Key, "" when absent: 1
// to maxIdempotencyKeyLen printable ASCII characters (a UUID, say), sent
// once.
func idempotencyKey(r *http.Request) (string, error) {
	vs := r.Header.Values(headerIdempotencyKey)
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", errInvalid("%s: send the header once, got %d values", headerIdempotencyKey, len(vs))
	}
	k := vs[0]
	if k == "" || len(k) > maxIdempotencyKeyLen {
		return "", errInvalid("%s: want 1 to %d characters, got %d", headerIdempotencyKey, maxIdempotencyKeyLen, len(k))
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", errInvalid("%s: want printable ASCII such as a UUID; byte %d is 0x%02x", headerIdempotencyKey, i, k[i])
		}
	}
	return k, nil
}

// idempotentTxID returns the transaction id of the credit call with key in
// workspace ws: 12 base62 characters (71 bits) of SHA-256 over both (the
// alphabet of voucher codes), the form of token.NewID, so that both stores take it and a retry lands on the
// same ledger entry. The workspace is part of the hash: two workspaces may
// use the same key.
func idempotentTxID(ws, key string) string {
	sum := sha256.Sum256([]byte("tollgate credits\x00" + ws + "\x00" + key))
	n := new(big.Int).SetBytes(sum[:])
	div, mod := big.NewInt(int64(len(base62))), new(big.Int)
	var id [12]byte
	for i := range id {
		n.DivMod(n, div, mod)
		id[i] = base62[mod.Int64()]
	}
	return string(id[:])
}

// replayCredits answers a credit call whose idempotent transaction id is
// in the ledger already: 200 with the transaction as the first call
// recorded it and the balance now, changing nothing; 409 when the first
// call asked for something else (another kind, amount or note), since the
// key was then reused by mistake.
func (a *api) replayCredits(w http.ResponseWriter, r *http.Request, ws string, tx *store.Transaction) error {
	orig, err := a.store.Transaction(r.Context(), ws, tx.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errConflict("transaction %q was recorded already", tx.ID)
	}
	if err != nil {
		return err
	}
	if orig.Kind != tx.Kind || orig.Amount != tx.Amount || orig.Note != tx.Note {
		return errConflict("%s: this key was used for a %s of %s credits (transaction %s); use a new key for another request",
			headerIdempotencyKey, orig.Kind, store.FormatCredits(orig.Amount), orig.ID)
	}
	c := callerOf(r)
	c.target("transaction", orig.ID)
	c.audit.detail = "retry of " + string(orig.Kind) + " " + store.FormatCredits(orig.Amount) + " credits (" +
		headerIdempotencyKey + "); nothing changed"
	cr, err := a.store.Credits(r.Context(), ws)
	if err != nil {
		cr = store.Credits{Balance: orig.Balance}
	}
	w.Header().Set("Idempotent-Replayed", "true")
	return writeJSON(w, http.StatusOK, transactionResponse{Transaction: viewTransaction(&orig), Credits: viewCredits(ws, cr)})
}
