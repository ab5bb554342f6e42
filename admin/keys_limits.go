package admin

import (
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// keyLimitsRequest changes a workspace key's limits; an omitted field keeps
// its value, and model_limits, when given, replaces every per-model limit
// ({} removes them all).
type keyLimitsRequest struct {
	RPM         *int64                `json:"rpm"`
	TPM         *int64                `json:"tpm"`
	Monthly     *int64                `json:"monthly_credits"`
	ModelLimits map[string]modelLimit `json:"model_limits"`
}

// updateKey changes the limits of the {id} workspace key; admission sees
// them on the very next request (store.Money.UpdateTokenLimits).
func (a *api) updateKey(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	t, err := a.store.GetToken(r.Context(), ws, id)
	if err != nil || t.Kind != token.Key {
		return notFound(orNotFound(err), "key", id)
	}
	var req keyLimitsRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if req.RPM == nil && req.TPM == nil && req.Monthly == nil && req.ModelLimits == nil {
		return errInvalid("rpm, tpm, monthly_credits or model_limits: at least one is required")
	}
	if err := firstErr(checkRPM("rpm", req.RPM), checkLimit("tpm", req.TPM), checkLimit("monthly_credits", req.Monthly)); err != nil {
		return err
	}
	if t.Status != store.TokenActive {
		return errConflict("key %q is %s; its limits no longer matter", id, t.Status)
	}
	l := store.TokenLimits{RPM: t.RPM, TPM: t.TPM, Monthly: t.Monthly, ModelRPM: t.ModelRPM, ModelLimits: t.ModelLimits}
	if req.ModelLimits != nil {
		if l.ModelRPM, l.ModelLimits, err = checkModelLimits(req.ModelLimits); err != nil {
			return err
		}
	}
	setIf(&l.RPM, req.RPM)
	setIf(&l.TPM, req.TPM)
	setIf(&l.Monthly, req.Monthly)
	if err := m.UpdateTokenLimits(r.Context(), ws, id, l); err != nil {
		return notFound(err, "key", id)
	}
	t.RPM, t.TPM, t.Monthly, t.ModelRPM, t.ModelLimits = l.RPM, l.TPM, l.Monthly, l.ModelRPM, l.ModelLimits
	c := callerOf(r)
	c.target("key", id)
	c.audit.detail = fmt.Sprintf("limits rpm %d, tpm %d, monthly %s credits, %d model limits", l.RPM, l.TPM,
		store.FormatCredits(l.Monthly), len(viewModelLimits(l.ModelRPM, l.ModelLimits)))
	a.log.Info("admin: key limits set", "workspace", ws, "key", id)
	return writeJSON(w, http.StatusOK, viewToken(t))
}

// setIf stores *v in dst when v is set.
func setIf(dst, v *int64) {
	if v != nil {
		*dst = *v
	}
}

// orNotFound is err, or store.ErrNotFound when err is nil (a record of the
// wrong kind reads as absent).
func orNotFound(err error) error {
	if err == nil {
		return store.ErrNotFound
	}
	return err
}
