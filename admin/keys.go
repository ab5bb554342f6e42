package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

type createKeyRequest struct {
	Name      string   `json:"name"`
	RPM       *int64   `json:"rpm"`
	Upstreams []string `json:"upstreams"`
	ExpiresAt string   `json:"expires_at"`      // RFC 3339; empty never expires
	TPM       *int64   `json:"tpm"`             // tokens per minute; 0 uses the workspace's key_tpm
	Monthly   *int64   `json:"monthly_credits"` // spend cap per billing period, µc; 0 uses key_monthly_credits
	// ModelLimits are per-model limits for LLM upstreams.
	ModelLimits map[string]modelLimit `json:"model_limits"`
}

// keyResponse carries a new workspace key: the only time Secret is shown.
type keyResponse struct {
	Key    tokenView `json:"key"`
	Secret string    `json:"secret"`
}

func (a *api) createKey(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req createKeyRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	now := a.now().UTC()
	expires, err := req.check(now)
	if err != nil {
		return err
	}
	p, err := a.workspacePlan(r, ws)
	if err != nil {
		return err
	}
	c := callerOf(r)
	secret, rec, err := store.NewToken(token.Key, ws, inviterID(c), strings.TrimSpace(req.Name), now) // the creator: a member id or "operator"
	if err != nil {
		return err
	}
	rec.Upstreams, rec.ExpiresAt = req.Upstreams, expires
	if rec.ModelRPM, rec.ModelLimits, err = checkModelLimits(req.ModelLimits); err != nil {
		return err
	}
	rec.RPM, rec.TPM, rec.Monthly = deref(req.RPM), deref(req.TPM), deref(req.Monthly)
	var limit *store.KeyLimitError
	switch err := a.store.CreateKey(r.Context(), rec, p.Keys); {
	case errors.As(err, &limit):
		return newError(http.StatusUnprocessableEntity, CodeKeyLimit,
			"key limit reached: %d of %d workspace keys active on plan %q; revoke one first", limit.Active, limit.Limit, p.Name)
	case err != nil:
		return err
	}
	c.target("key", rec.ID)
	c.audit.detail = "key " + rec.Name
	a.log.Info("admin: key created", "workspace", ws, "key", rec.ID)
	return writeJSON(w, http.StatusCreated, keyResponse{Key: viewToken(rec), Secret: secret})
}

// check validates the request and returns its expiry (zero when none).
func (req *createKeyRequest) check(now time.Time) (time.Time, error) {
	if err := firstErr(checkName("name", req.Name), checkRPM("rpm", req.RPM), checkLimit("tpm", req.TPM),
		checkLimit("monthly_credits", req.Monthly)); err != nil {
		return time.Time{}, err
	}
	seen := map[string]bool{}
	for i, u := range req.Upstreams {
		if err := checkUpstreamName("upstreams["+strconv.Itoa(i)+"]", u); err != nil {
			return time.Time{}, err
		}
		if seen[u] {
			return time.Time{}, errInvalid("upstreams[%d]: %q is listed twice", i, u)
		}
		seen[u] = true
	}
	if req.ExpiresAt == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, req.ExpiresAt)
	if err != nil {
		return time.Time{}, errInvalid("expires_at: want an RFC 3339 time such as 2030-01-02T15:04:05Z, got %q", req.ExpiresAt)
	}
	if !t.After(now) {
		return time.Time{}, errInvalid("expires_at: %s is not in the future", req.ExpiresAt)
	}
	return t.UTC(), nil
}

func (a *api) listKeys(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	all, err := a.store.ListTokens(r.Context(), ws)
	if err != nil {
		return err
	}
	isKey := func(t *store.Token) bool { return t.Kind == token.Key }
	return listResponse(w, r, all, isKey, func(t *store.Token) string { return t.ID }, viewToken)
}

func (a *api) revokeKey(w http.ResponseWriter, r *http.Request) error {
	return a.revoke(w, r, token.Key)
}

func (a *api) revokeToken(w http.ResponseWriter, r *http.Request) error {
	return a.revoke(w, r, 0)
}

// revoke revokes the {id} token of the {ws} workspace; kind 0 accepts any
// kind. Revoking a revoked token succeeds.
func (a *api) revoke(w http.ResponseWriter, r *http.Request, kind token.Kind) error {
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	what := "token"
	if kind == token.Key {
		what = "key"
	}
	t, err := a.store.GetToken(r.Context(), ws, id)
	if err != nil {
		return notFound(err, what, id)
	}
	if kind != 0 && t.Kind != kind {
		return errNotFound("%s %q not found", what, id)
	}
	if err := a.mayRevoke(r, t); err != nil {
		return err
	}
	if err := a.store.RevokeToken(r.Context(), ws, id); err != nil {
		return notFound(err, what, id)
	}
	t.Status = store.TokenRevoked
	callerOf(r).target(what, id)
	a.log.Info("admin: token revoked", "workspace", ws, "token", id, "kind", t.Kind.String())
	return writeJSON(w, http.StatusOK, viewToken(t))
}

// activeKey reports whether t is a workspace key that counts against the
// plan: active and not expired at now.
func activeKey(t *store.Token, now time.Time) bool {
	return t.Kind == token.Key && t.Status == store.TokenActive && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// workspacePlan returns the plan of workspace ws; a plan name the store
// does not know limits nothing (Keys and Seats 0).
func (a *api) workspacePlan(r *http.Request, ws string) (*store.Plan, error) {
	w, err := a.store.GetWorkspace(r.Context(), ws)
	if err != nil {
		return nil, notFound(err, "workspace", ws)
	}
	p, err := a.plan(r.Context(), w.Plan)
	var ae *apiError
	if errors.As(err, &ae) {
		return &store.Plan{Name: w.Plan}, nil
	}
	return p, err
}

// mayRevoke keeps an admin from revoking the owner's member token: the
// owner rules of remove_member apply to its token too.
func (a *api) mayRevoke(r *http.Request, t *store.Token) error {
	c := callerOf(r)
	if c.operator || t.Kind != token.Member || c.member.Role == store.RoleOwner {
		return nil
	}
	m, err := a.store.GetMember(r.Context(), t.WorkspaceID, t.MemberID)
	if err != nil {
		return nil // a token of a vanished member: nothing to protect
	}
	if m.Role == store.RoleOwner {
		return errUnprocessable("the owner's token is revoked only by the owner or the operator")
	}
	return nil
}
