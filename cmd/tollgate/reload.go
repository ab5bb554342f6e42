package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/meter"
)

// pricingFile is the price table of the config file: the Book in force and
// the file (and environment) it is reloaded from. It is the admin API's
// PricingSource and is safe for concurrent use.
type pricingFile struct {
	book *meter.Book
	path string                      // "" reloads the defaults and environment only: metering off
	env  func(string) (string, bool) // os.LookupEnv
	log  *slog.Logger
}

// newPricingFile returns the source of cfg, which was loaded from path.
func newPricingFile(cfg *config.Config, path string, log *slog.Logger) (*pricingFile, error) {
	book, err := meter.NewBook(cfg.Pricing)
	if err != nil {
		return nil, err
	}
	return &pricingFile{book: book, path: path, env: os.LookupEnv, log: log}, nil
}

// Load returns the table in force; nil means metering is off.
func (p *pricingFile) Load() *meter.Table { return p.book.Load() }

// Reload loads and validates the whole config file again and puts its
// pricing section in force; other changes in the file wait for a restart. A
// file that does not load leaves the table in force. The outcome is logged;
// config errors never quote secrets.
func (p *pricingFile) Reload() error {
	cfg, err := config.Load(p.path, p.env)
	if err == nil {
		err = p.book.Reload(cfg.Pricing)
	}
	if err != nil {
		p.log.Error("pricing reload refused; the last good table stays", "config", p.path, "err", err)
		return err
	}
	v := p.book.Load().View()
	p.log.Info("pricing reloaded", "config", p.path, "metering", v.Enabled, "models", len(v.Models), "tool_upstreams", len(v.Tools))
	return nil
}

// reloadOnSIGHUP reloads the pricing on every SIGHUP until ctx ends or the
// returned stop is called. Without it SIGHUP would end the process.
func reloadOnSIGHUP(ctx context.Context, p *pricingFile) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-hup:
				p.log.Info("SIGHUP: reloading pricing")
				p.Reload() // logs its outcome
			}
		}
	}()
	return func() { signal.Stop(hup); close(quit); <-done }
}
