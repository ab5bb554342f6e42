package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/store"
)

// checkShadowing refuses to let a caller without edit_upstream register an
// upstream under the name of a public one. A workspace upstream shadows the
// public upstream of its name for the whole workspace (keys limited to that
// name included), so taking such a name redirects everyone's traffic: an
// owner or admin decision, not a plain member's.
func (a *api) checkShadowing(ctx context.Context, c *caller, name string) error {
	if allowed(c, PermEditUpstream) {
		return nil
	}
	switch _, _, err := a.store.GetUpstream(ctx, store.PublicWorkspace, name); {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return newError(http.StatusForbidden, CodeForbidden,
		"name: %q is the name of a public upstream, which this one would replace for the whole workspace; that needs the %s permission (owner or admin)",
		name, PermEditUpstream)
}
