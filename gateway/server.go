package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/valyala/fasthttp"
)

// newServer returns the fasthttp server behind Serve: no default Server,
// Content-Type or Date headers, so upstream responses pass through as sent;
// header names normalized, so credential lookups match any client casing.
func (g *Gateway) newServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                      g.handle,
		ErrorHandler:                 g.serverError,
		ConnState:                    g.trackClient,
		Logger:                       logger{g.log},
		MaxRequestBodySize:           g.cfg.MaxBodyBytes,
		ReadTimeout:                  g.cfg.ClientReadTimeout,
		IdleTimeout:                  g.cfg.ClientIdleTimeout,
		ReadBufferSize:               g.cfg.MaxHeaderBytes,
		NoDefaultServerHeader:        true,
		NoDefaultContentType:         true,
		NoDefaultDate:                true,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		SecureErrorLogMessage:        true,
	}
}

// serverError answers requests that fasthttp could not read, through fail.
func (g *Gateway) serverError(ctx *fasthttp.RequestCtx, err error) {
	var sizeErr *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		g.fail(ctx, failTooLarge, nil)
	case errors.As(err, &sizeErr):
		g.fail(ctx, failHeaderTooLarge, nil)
	default:
		g.fail(ctx, failBadRequest, nil)
	}
	g.none.Count(ctx.Response.StatusCode())
}

// trackClient keeps the set of open client connections for Shutdown.
func (g *Gateway) trackClient(c net.Conn, s fasthttp.ConnState) {
	switch s {
	case fasthttp.StateNew:
		if !g.clients.add(c) {
			_ = c.Close()
		}
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		g.clients.remove(c)
	}
}

// logger sends fasthttp's own log lines to slog.
type logger struct{ l *slog.Logger }

func (l logger) Printf(format string, args ...any) {
	l.l.Warn("gateway: fasthttp: " + fmt.Sprintf(format, args...))
}
