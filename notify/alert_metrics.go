package notify

import "github.com/prometheus/client_golang/prometheus"

// Label values of the alert metrics.
const (
	outcomeDelivered = "delivered" // a 2xx answer
	outcomeRetry     = "retry"     // failed, retry scheduled
	outcomeFailed    = "failed"    // failed, given up
	outcomeAbandoned = "abandoned" // retry dropped at shutdown
	outcomeSent      = "sent"
	dropFull         = "queue_full"
	dropClosed       = "closed"
	dropInvalid      = "invalid"
	dropStore        = "store_error" // the webhook lookup failed for good
)

// alertMetrics are the Dispatcher's counters. They carry no workspace,
// webhook or member labels.
type alertMetrics struct {
	attempts *prometheus.CounterVec // tollgate_webhook_attempts_total{outcome}
	dropped  *prometheus.CounterVec // tollgate_alerts_dropped_total{reason}
	emails   *prometheus.CounterVec // tollgate_alert_emails_total{outcome}
}

// newAlertMetrics makes the counters and registers them on reg when it is
// not nil.
func newAlertMetrics(reg *prometheus.Registry) (*alertMetrics, error) {
	m := &alertMetrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: delivered, retry, failed (given up), abandoned (at shutdown).",
		}, []string{"outcome"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_alerts_dropped_total",
			Help: "Alert events dropped before delivery, by reason: queue_full, closed, invalid, store_error.",
		}, []string{"reason"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_alert_emails_total",
			Help: "Alert e-mails by outcome: sent or failed.",
		}, []string{"outcome"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.attempts, m.dropped, m.emails} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
