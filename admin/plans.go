package admin

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
)

// Default plan names: personal workspaces get PlanPersonal, team workspaces
// PlanTeam unless the creator names another.
const (
	PlanPersonal = "free"
	PlanTeam     = "starter"
)

// DefaultKeys is every default plan's workspace-key limit.
const DefaultKeys = 10

// defaultPlans are seeded at startup when absent (SPEC.md §1); 0 seats is unlimited.
var defaultPlans = []store.Plan{
	{Name: "free", Seats: 1, Keys: DefaultKeys},
	{Name: "starter", Seats: 5, Keys: DefaultKeys},
	{Name: "pro", Seats: 20, Keys: DefaultKeys},
	{Name: "business", Seats: 100, Keys: DefaultKeys},
	{Name: "enterprise", Seats: 0, Keys: DefaultKeys},
}

var planName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// seedPlans stores each default plan the store lacks; an operator's own
// definition of a default plan is kept.
func (a *api) seedPlans(ctx context.Context) error {
	for _, p := range defaultPlans {
		_, err := a.store.GetPlan(ctx, p.Name)
		if errors.Is(err, store.ErrNotFound) {
			p.Limits.MemberRPM = limiter.DefaultMemberRPM
			err = a.store.PutPlan(ctx, &p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// plan returns the named plan ("" is PlanTeam), falling back to the
// built-in default when the store lacks it.
func (a *api) plan(ctx context.Context, name string) (*store.Plan, error) {
	if name == "" {
		name = PlanTeam
	}
	p, err := a.store.GetPlan(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		for _, d := range defaultPlans {
			if d.Name == name {
				d.Limits.MemberRPM = limiter.DefaultMemberRPM
				return &d, nil
			}
		}
		return nil, errNotFound("plan %q not found", name)
	}
	return p, err
}

func (a *api) listPlans(w http.ResponseWriter, r *http.Request) error {
	all, err := a.store.ListPlans(r.Context())
	if err != nil {
		return err
	}
	return listResponse(w, r, all, nil, func(p *store.Plan) string { return p.Name },
		func(p *store.Plan) store.Plan { return *p })
}

type planRequest struct {
	Seats  *int           `json:"seats"`
	Keys   *int           `json:"keys"`
	Limits *limitsRequest `json:"limits"`
}

func (a *api) putPlan(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !planName.MatchString(name) {
		return errInvalid("name: %q must match [a-z0-9][a-z0-9-_]{0,62}", name)
	}
	var req planRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.Seats == nil || *req.Seats < 0:
		return errInvalid("seats: required, 0 (unlimited) or more")
	case req.Keys == nil || *req.Keys < 0:
		return errInvalid("keys: required, 0 (unlimited) or more")
	}
	if req.Limits != nil {
		if err := req.Limits.check("limits.", false); err != nil {
			return err
		}
	}
	p := &store.Plan{Name: name, Seats: *req.Seats, Keys: *req.Keys, Limits: req.Limits.limits()}
	if err := a.store.PutPlan(r.Context(), p); err != nil {
		return err
	}
	callerOf(r).target("plan", name)
	a.log.Info("admin: plan set", "plan", name)
	return writeJSON(w, http.StatusOK, p)
}
