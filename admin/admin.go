package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// MaxBodyBytes is the largest request body the admin API reads.
const MaxBodyBytes = 1 << 20

// Backend is the store the admin API needs: the core store and its teams part.
type Backend interface {
	store.Store
	store.Teams
}

// Deps are what the admin API needs. Store is required; the rest have
// usable zero values.
type Deps struct {
	Store Backend
	// OperatorHash is token.HashOf the operator token. The zero Hash refuses
	// every operator call: no operator token is configured.
	OperatorHash token.Hash
	Logger       *slog.Logger         // default discards
	Registry     *prometheus.Registry // served at /metrics; default a new empty registry
	Clock        func() time.Time     // default time.Now
	// Usage returns this replica's request counts for a workspace; nil
	// answers with an empty list.
	Usage func(workspace string) []meter.Count
	// Pprof serves net/http/pprof under /debug/pprof/ when true.
	Pprof bool
	// Draining reports that the process is shutting down; /readyz then
	// answers 503. Nil never drains.
	Draining func() bool
	// Mailer e-mails invitations. Nil means no SMTP: the invitation's accept
	// link and code go back to the inviter in the API response instead.
	Mailer Mailer
	// PublicURL is the admin API's base URL as people reach it, such as
	// https://gateway.example.com:9090, for invitation accept links.
	PublicURL string
	// Pricing is the price table in force and its reload, for GET
	// /v1/pricing and POST /v1/pricing/reload. Nil shows metering off and
	// refuses reloads.
	Pricing PricingSource
	// Alerter receives the alerts of admin calls that change a balance
	// (credits added, credits low, auto top-up requested). Nil raises none.
	Alerter notify.Alerter
}

// api holds the dependencies shared by all handlers.
type api struct {
	draining  func() bool
	usageOf   func(workspace string) []meter.Count
	store     Backend
	op        token.Hash
	log       *slog.Logger
	now       func() time.Time
	mailer    Mailer
	publicURL string
	pricing   PricingSource
	alerter   notify.Alerter
}

// route is one registered endpoint. The route table is the single list that
// New registers, that the OpenAPI test checks against the document and that
// the permission matrix test walks.
type route struct {
	method, pattern string
	handle          handlerFunc
	public          bool       // no token needed
	perm            Permission // what an authenticated caller needs
	action          string     // the audit action of a mutating route; "" records nothing
}

// New returns the admin API handler. It seeds the default plans that the
// store lacks.
func New(deps Deps) http.Handler {
	a := &api{store: deps.Store, op: deps.OperatorHash, log: deps.Logger, now: deps.Clock,
		usageOf: deps.Usage, draining: deps.Draining, mailer: deps.Mailer,
		publicURL: strings.TrimRight(deps.PublicURL, "/"), alerter: deps.Alerter}
	a.pricing = deps.Pricing
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	reg := deps.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if a.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.seedPlans(ctx); err != nil {
			a.log.Error("admin: seeding default plans failed; defaults still apply", "err", err)
		}
		// The public workspace also holds the audit entries of operator
		// actions that belong to no workspace: it must exist before the first.
		if err := a.ensurePublicWorkspace(ctx); err != nil {
			a.log.Error("admin: creating the public workspace failed", "err", err)
		}
		cancel()
	}
	mux := http.NewServeMux()
	for pattern, rts := range groupRoutes(a.routes()) {
		mux.Handle(pattern, a.dispatch(rts))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if deps.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/", a.wrap(noEndpoint))
	return mux
}

func noEndpoint(w http.ResponseWriter, r *http.Request) error {
	return errNotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
}
