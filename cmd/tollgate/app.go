package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tollgate-dev/tollgate/admin"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/devmode"
	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/meter"
	"github.com/tollgate-dev/tollgate/metrics"
	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/store/embedded"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// app is one running gateway process: its store, both listeners and, in dev
// mode, the demo upstreams.
type app struct {
	cfg       *config.Config
	log       *slog.Logger
	store     store.Store
	storeName string
	gw        *gateway.Gateway
	admin     *http.Server
	adminDeps admin.Deps
	dataLn    net.Listener
	adminLn   net.Listener
	dataAddr  string
	adminAddr string
	operator  string // the operator token, when --dev generated it
	demo      *devmode.Servers
	pricing   *pricingFile       // the price table in force, reloaded by SIGHUP and the admin API
	settler   *meter.Settler     // nil when the store has no money methods
	alerts    *notify.Dispatcher // nil when the store cannot serve alerts
	served    chan error
	draining  atomic.Bool // set when shutdown starts; /readyz answers 503
}

func newApp(ctx context.Context, cfg *config.Config, path string, dev bool) (*app, error) {
	a := &app{cfg: cfg, log: newLogger(cfg.Log, os.Stderr), served: make(chan error, 2)}
	if dev && cfg.OperatorToken == "" {
		tok, err := token.New(token.Operator, token.OperatorWorkspace)
		if err != nil {
			return nil, err
		}
		cfg.OperatorToken, a.operator = tok, tok
	}
	var err error
	if a.store, a.storeName, err = openStore(ctx, cfg, a.log); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	met := metrics.New(reg)
	usage := meter.New()
	var mailer admin.Mailer
	if cfg.SMTP.Addr != "" {
		mailer = notify.NewSMTP(notify.FromConfig(cfg.SMTP))
	}
	if err := a.metering(cfg, path, dev, reg, met, mailer); err != nil {
		a.close()
		return nil, err
	}
	lim := limiter.New(a.store, limiter.Options{
		BreakerFailures: uint32(cfg.Store.Breaker.Failures),
		BreakerCooldown: cfg.Store.Breaker.Cooldown,
		FailOpen: limiter.FailOpen{Auth: cfg.Store.FailOpen.Auth, RateLimit: cfg.Store.FailOpen.RateLimit,
			Credits: cfg.Store.FailOpen.Credits},
		LocalRPM: cfg.Store.LocalRPM,
		Observer: met,
		Logger:   a.log,
	})
	gdeps := gateway.Deps{Admitter: lim, Upstreams: a.store, Metrics: met, Meter: usage, Logger: a.log, Prices: a.pricing,
		Policies: a.store, Tokens: a.store}
	if a.settler != nil {
		gdeps.Settler = a.settler
	}
	gcfg := gateway.Config{
		MaxBodyBytes:        int(cfg.Proxy.MaxBodyBytes),
		ConnectTimeout:      cfg.Proxy.ConnectTimeout,
		FirstByteTimeout:    cfg.Proxy.FirstByteTimeout,
		IdleTimeout:         cfg.Proxy.IdleTimeout,
		MaxConnsPerUpstream: cfg.Proxy.MaxConnsPerUpstream,
		ClientReadTimeout:   cfg.Proxy.ClientReadTimeout,
		ClientIdleTimeout:   cfg.Proxy.ClientIdleTimeout,
		PublicRefresh:       cfg.Proxy.PublicRefresh,
		DrainTimeout:        cfg.Proxy.DrainTimeout,
		DrainBytes:          cfg.Proxy.DrainBytes,
		// MCP: origins are a comma-separated list in the config file.
		MCPAllowedOrigins:    splitList(cfg.Proxy.MCPAllowedOrigins),
		MCPStreamIdleTimeout: cfg.Proxy.MCPStreamIdleTimeout,
		StreamRecheck:        cfg.Proxy.MCPStreamRecheck,
	}
	if err := gcfg.Validate(); err != nil {
		a.close()
		return nil, err
	}
	a.gw = gateway.New(gcfg, gdeps)
	opHash, _ := cfg.OperatorHash()
	a.adminDeps = admin.Deps{ // the handler is built by start, once the listener's address is known
		Store: a.store, OperatorHash: opHash, Logger: a.log, Registry: reg,
		Usage: usage.Counts, Pprof: cfg.Debug.Pprof, Draining: a.draining.Load, Mailer: mailer,
		Pricing: a.pricing,
	}
	if a.alerts != nil {
		a.adminDeps.Alerter = a.alerts
	}
	if dev {
		if a.demo, err = devmode.Start(ctx); err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

// splitList splits a comma-separated config value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, string, error) {
	if cfg.RedisURL != "" {
		s, err := redisstore.New(ctx, redisstore.Options{URL: cfg.RedisURL, Timeout: cfg.Store.Timeout})
		return s, "redis", err
	}
	s, err := embedded.Open(cfg.DataDir, embedded.Options{Logger: log})
	return s, "embedded", err
}

// start binds both listeners and serves them in the background.
func (a *app) start() error {
	var err error
	if a.dataLn, err = net.Listen("tcp", a.cfg.Listen); err != nil {
		return fmt.Errorf("data listener: %w", err)
	}
	if a.adminLn, err = net.Listen("tcp", a.cfg.AdminListen); err != nil {
		a.dataLn.Close()
		return fmt.Errorf("admin listener: %w", err)
	}
	a.dataAddr, a.adminAddr = a.dataLn.Addr().String(), a.adminLn.Addr().String()
	a.cfg.AdminListen = a.adminAddr // a :0 port is now a real one, for accept links
	a.adminDeps.PublicURL = a.cfg.PublicURL()
	a.admin = &http.Server{Handler: admin.New(a.adminDeps), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.gw.Serve(a.dataLn); err != nil {
			a.served <- err
		}
	}()
	go func() {
		if err := a.admin.Serve(a.adminLn); !errors.Is(err, http.ErrServerClosed) {
			a.served <- err
		}
	}()
	return nil
}

// shutdown stops accepting, lets in-flight requests finish within the grace
// period, stores every settlement (SPEC §7: usage is settled before exit),
// then closes the store.
func (a *app) shutdown() error {
	a.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownGrace)
	defer cancel()
	// The data plane drains first while the admin listener still answers
	// (readyz 503, metrics); then every admitted request's settlement is
	// stored, with a grace period of its own (the first may be spent on
	// long streams); then the admin listener and the alerts stop.
	errs := []error{a.gw.Shutdown(ctx)}
	if a.settler != nil {
		sctx, scancel := context.WithTimeout(context.Background(), a.cfg.ShutdownGrace)
		errs = append(errs, a.settler.Close(sctx))
		scancel()
	}
	// The grace may be spent by now (streams cut at its end): the admin
	// listener and the alerts raised by the last settlements get a short
	// bound of their own.
	tctx, tcancel := context.WithTimeout(context.Background(), tailGrace)
	defer tcancel()
	errs = append(errs, a.admin.Shutdown(tctx))
	if a.alerts != nil {
		errs = append(errs, a.alerts.Close(tctx))
	}
	a.close()
	return errors.Join(errs...)
}

// tailGrace bounds the last steps of shutdown, after the data plane and the
// settlements: the admin listener and pending alert deliveries.
const tailGrace = 5 * time.Second

func (a *app) close() {
	if a.demo != nil {
		a.demo.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
}

func (a *app) bootstrapDev(ctx context.Context, out io.Writer) error {
	seed, err := seedDev(ctx, a.store, a.demo, time.Now())
	if err != nil {
		return err
	}
	op := a.operator
	if op == "" {
		op = "(from your config: operator_token / TOLLGATE_OPERATOR_TOKEN)"
	}
	printDev(out, "http://"+a.dataAddr, "http://"+a.adminAddr, op, seed)
	return nil
}

func newLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
