package admin

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// MaxBodyBytes is the largest request body the admin API reads.
const MaxBodyBytes = 1 << 20

// Deps are what the admin API needs. Store is required; the rest have
// usable zero values.
type Deps struct {
	Store store.Store
	// OperatorHash is token.HashOf the operator token. The zero Hash refuses
	// every authenticated call: no operator token is configured.
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
}

// api holds the dependencies shared by all handlers.
type api struct {
	draining func() bool
	usageOf  func(workspace string) []meter.Count
	store    store.Store
	op       token.Hash
	log      *slog.Logger
	now      func() time.Time
}

// route is one registered endpoint. The route table is the single list that
// New registers and that the OpenAPI test checks against the document.
type route struct {
	method, pattern string
	handle          handlerFunc
	public          bool // no operator token needed
}

// New returns the admin API handler.
func New(deps Deps) http.Handler {
	a := &api{store: deps.Store, op: deps.OperatorHash, log: deps.Logger, now: deps.Clock, usageOf: deps.Usage, draining: deps.Draining}
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
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		h := a.wrap(rt.handle)
		if !rt.public {
			h = a.authenticate(h)
		}
		mux.Handle(rt.method+" "+rt.pattern, h)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if deps.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/", a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
	return mux
}

// routes lists every endpoint under its Go 1.22 ServeMux pattern.
func (a *api) routes() []route {
	const ws = "/v1/workspaces/{ws}"
	return []route{
		{"GET", "/healthz", a.healthz, true},
		{"GET", "/readyz", a.readyz, true},
		{"GET", "/v1/openapi.json", serveOpenAPI, true},

		{"POST", "/v1/workspaces", a.createWorkspace, false},
		{"GET", "/v1/workspaces", a.listWorkspaces, false},
		{"GET", ws, a.getWorkspace, false},
		{"PUT", ws + "/limits", a.setLimits, false},

		{"POST", ws + "/members", a.createMember, false},
		{"GET", ws + "/members", a.listMembers, false},
		{"GET", ws + "/members/{id}", a.getMember, false},
		{"PATCH", ws + "/members/{id}", a.updateMember, false},
		{"DELETE", ws + "/members/{id}", a.removeMember, false},
		{"POST", ws + "/members/{id}/token:rotate", a.rotateMemberToken, false},

		{"POST", ws + "/keys", a.createKey, false},
		{"GET", ws + "/keys", a.listKeys, false},
		{"DELETE", ws + "/keys/{id}", a.revokeKey, false},
		{"DELETE", ws + "/tokens/{id}", a.revokeToken, false},

		{"POST", ws + "/upstreams", a.createUpstream, false},
		{"GET", ws + "/upstreams", a.listUpstreams, false},
		{"GET", ws + "/upstreams/{name}", a.getUpstream, false},
		{"PUT", ws + "/upstreams/{name}", a.replaceUpstream, false},
		{"DELETE", ws + "/upstreams/{name}", a.deleteUpstream, false},

		{"GET", ws + "/usage", a.usage, false},
	}
}
