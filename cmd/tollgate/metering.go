package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/admin"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/notify"
)

// metering builds the price table (a demo one under --dev when the config
// has none), the alert dispatcher and the Settler. Without a pricing
// section metering is off: the gateway still settles every request, at a
// cost of 0, for the audit trail and usage analytics.
func (a *app) metering(cfg *config.Config, path string, dev bool, reg *prometheus.Registry, met *metrics.Metrics, mailer admin.Mailer) error {
	if dev && cfg.Pricing == nil {
		cfg.Pricing = devPricing()
	}
	var err error
	if a.pricing, err = newPricingFile(cfg, path, a.log); err != nil {
		return err
	}
	if as, ok := a.store.(notify.AlertStore); ok {
		a.alerts, err = notify.NewDispatcher(notify.DispatcherConfig{Store: as, Mailer: mailer, Logger: a.log,
			Registry: reg, AllowLoopback: dev})
		if err != nil {
			return err
		}
	}
	st, ok := a.store.(meter.SettleStore)
	if !ok {
		a.log.Warn("metering off: the store cannot settle usage")
		return nil
	}
	o := meter.SettlerOptions{Workspaces: a.store, Observer: met, Logger: a.log}
	if a.alerts != nil {
		o.Alerter = a.alerts
	}
	a.settler = meter.NewSettler(st, o)
	return nil
}

// devPricing is the demo price table of serve --dev, in credits per 1M
// tokens: the demo models, and every other model at the demo-chat price.
func devPricing() *config.PricingConfig {
	chat := config.ModelPriceConfig{Input: "1000", Output: "3000"}
	return &config.PricingConfig{
		UnknownModel:        config.UnknownModelDefault,
		Default:             chat,
		DefaultOutputTokens: 256,
		Models: map[string]config.ModelPriceConfig{
			"demo-chat":      chat,
			"demo-chat-mini": {Input: "200", Output: "600"},
		},
	}
}
