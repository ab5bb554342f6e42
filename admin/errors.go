package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// Stable error codes. Clients may switch on them; they never change meaning.
const (
	CodeInvalidRequest   = "invalid_request"   // 400: a field is missing or wrong; the message names it
	CodeUnknownField     = "unknown_field"     // 400: the body has a field the endpoint does not know
	CodeUnauthorized     = "unauthorized"      // 401: missing, wrong, revoked or removed token
	CodeForbidden        = "forbidden"         // 403: the caller's role lacks the permission the endpoint needs
	CodeNotFound         = "not_found"         // 404: no such workspace, member, key, token, upstream or endpoint
	CodeConflict         = "conflict"          // 409: the request contradicts the current state
	CodeRequestTooLarge  = "request_too_large" // 413: the body exceeds MaxBodyBytes
	CodeUnprocessable    = "unprocessable"     // 422: a business rule refuses it (personal workspace, owner rules)
	CodeSeatLimit        = "seat_limit"        // 422: the plan's seats are taken; the message has the numbers
	CodeKeyLimit         = "key_limit"         // 422: the plan's workspace-key limit is reached
	CodePlanLimit        = "plan_limit"        // 422: the new plan is below current use; the message has the numbers
	CodeVoucherUnknown   = "voucher_unknown"   // 404: no voucher has this code (or it is mistyped)
	CodeVoucherUsed      = "voucher_used"      // 409: the voucher was redeemed already
	CodeVoucherExpired   = "voucher_expired"   // 410: the voucher is past its expiry
	CodeStoreUnavailable = "store_unavailable" // 503: the store did not answer
	CodeShuttingDown     = "shutting_down"     // 503: the process is draining before it exits
	CodeInternal         = "internal"          // 500: a bug or an unexpected store failure; details are logged
)

// apiError is an error with its HTTP status and stable code. Its message is
// shown to the client, so it never holds a secret.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return "admin: " + e.Code + ": " + e.Message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errInvalid(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, CodeInvalidRequest, format, args...)
}

func errNotFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, CodeNotFound, format, args...)
}

func errConflict(format string, args ...any) *apiError {
	return newError(http.StatusConflict, CodeConflict, format, args...)
}

func errUnprocessable(format string, args ...any) *apiError {
	return newError(http.StatusUnprocessableEntity, CodeUnprocessable, format, args...)
}

func errForbidden(p Permission) *apiError {
	return newError(http.StatusForbidden, CodeForbidden, "your role lacks the %s permission", p)
}

// handlerFunc is an endpoint that returns its failure instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap turns a handlerFunc into an http.Handler; it is the one place where
// errors become HTTP statuses and bodies.
func (a *api) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = errNotFound("not found")
	case errors.Is(err, store.ErrExists):
		ae = errConflict("already exists")
	case errors.Is(err, store.ErrConflict):
		ae = errConflict("the record changed state; reload and retry")
	default:
		a.log.Error("admin: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = newError(http.StatusInternalServerError, CodeInternal, "internal error")
	}
	writeJSON(w, ae.Status, struct {
		Error *apiError `json:"error"`
	}{ae})
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
