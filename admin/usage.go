package admin

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/meter"
)

// usageResponse lists request counts per caller, upstream and status class,
// as counted by the replica that answers.
type usageResponse struct {
	WorkspaceID string        `json:"workspace_id"`
	Counts      []meter.Count `json:"counts"`
}

func (a *api) usage(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.workspace(r)
	if err != nil {
		return err
	}
	counts := []meter.Count{}
	if a.usageOf != nil {
		counts = append(counts, a.usageOf(ws.ID)...)
	}
	return writeJSON(w, http.StatusOK, usageResponse{WorkspaceID: ws.ID, Counts: counts})
}
