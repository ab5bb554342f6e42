package admin

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the store ping of /readyz.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process serves HTTP at all.
func (a *api) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store answers a ping, 503 otherwise, and 503
// once the process is shutting down, so load balancers stop sending to it.
func (a *api) readyz(w http.ResponseWriter, r *http.Request) error {
	if a.draining != nil && a.draining() {
		return newError(http.StatusServiceUnavailable, CodeShuttingDown, "the gateway is shutting down")
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("admin: store not ready", "err", err)
		return newError(http.StatusServiceUnavailable, CodeStoreUnavailable, "the store does not answer")
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
