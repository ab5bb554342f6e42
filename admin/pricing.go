package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/meter"
)

// PricingSource is the price table the gateway charges by and the way to
// reload it from where it came (in tollgate serve, the config file).
// Reload must keep the table in force when the new one is refused, and its
// error must name the bad entries without quoting secrets.
type PricingSource interface {
	Load() *meter.Table // nil: metering off
	Reload() error
}

// getPricing shows the table in force, prices as decimal strings in credits.
func (a *api) getPricing(w http.ResponseWriter, r *http.Request) error {
	var t *meter.Table
	if a.pricing != nil {
		t = a.pricing.Load()
	}
	return writeJSON(w, http.StatusOK, t.View())
}

// reloadPricing re-reads the table and answers with the one in force: the
// new table, or 422 naming every bad entry while the last good table stays.
func (a *api) reloadPricing(w http.ResponseWriter, r *http.Request) error {
	if a.pricing == nil {
		return errUnprocessable("this server has no price table source to reload")
	}
	callerOf(r).target("pricing", "")
	if err := a.pricing.Reload(); err != nil {
		return errUnprocessable("price table refused, the last good table stays: %s",
			strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	t := a.pricing.Load()
	callerOf(r).audit.detail = pricingDetail(t)
	return writeJSON(w, http.StatusOK, t.View())
}

// pricingDetail summarizes a table for the audit log.
func pricingDetail(t *meter.Table) string {
	if t == nil {
		return "metering off"
	}
	v := t.View()
	return fmt.Sprintf("%d models, %d tool upstreams", len(v.Models), len(v.Tools))
}
