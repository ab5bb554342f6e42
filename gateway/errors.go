package gateway

import (
	"errors"
	"net"
	"os"
	"strconv"

	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/valyala/fasthttp"
)

// failure is every way the gateway itself answers a request instead of the
// upstream. failures holds what each one means on the wire.
type failure uint8

const (
	failMissingToken failure = iota
	failInvalidToken
	failNotGatewayToken
	failNoRoute
	failBadPath
	failTooLarge
	failHeaderTooLarge
	failBadRequest
	failAmbiguousModel
	failUnknownToken
	failRevoked
	failUnknownUpstream
	failForbidden
	failRoleForbidden
	failLimited
	failUnavailable
	failUpstreamDown
	failUpstreamTimeout
	failUpstreamBusy
)

// failureInfo is the status and OpenAI-shaped error of a failure. Messages
// are constants without quotes or backslashes, so they need no escaping.
type failureInfo struct {
	status  int
	typ     string
	code    string
	message string
	deny    bool // counted in tollgate_denials_total
}

var failures = [...]failureInfo{
	failMissingToken:    {401, "authentication_error", "missing_token", "No API token: send it as Authorization: Bearer, x-api-key or api-key.", true},
	failInvalidToken:    {401, "authentication_error", "invalid_token", "The API token is malformed.", true},
	failNotGatewayToken: {401, "authentication_error", "invalid_token", "Only member tokens (mwt_) and workspace keys (wsk_) are valid for gateway traffic.", true},
	failNoRoute:         {404, "not_found_error", "unknown_upstream", "No such upstream: the path must start with /{upstream}/.", false},
	failBadPath:         {400, "invalid_request_error", "invalid_path", "The request path contains a . or .. segment.", false},
	failTooLarge:        {413, "invalid_request_error", "request_too_large", "The request body exceeds the gateway limit.", false},
	failHeaderTooLarge:  {431, "invalid_request_error", "headers_too_large", "The request headers exceed the gateway limit.", false},
	failBadRequest:      {400, "invalid_request_error", "bad_request", "The request could not be parsed.", false},
	failAmbiguousModel:  {400, "invalid_request_error", "ambiguous_model", "The request body names its model more than once.", false},
	failUnknownToken:    {401, "authentication_error", limiter.Unknown.String(), "The API token is not known.", true},
	failRevoked:         {401, "authentication_error", limiter.Revoked.String(), "The API token was revoked or has expired, or its member was removed.", true},
	failUnknownUpstream: {404, "not_found_error", limiter.UpstreamUnknown.String(), "No such upstream in this workspace.", true},
	failForbidden:       {403, "permission_error", limiter.Forbidden.String(), "This token may not use this upstream.", true},
	failRoleForbidden:   {403, "permission_error", limiter.RoleForbidden.String(), "The member's role (reader) may not use the gateway.", true},
	failLimited:         {429, "rate_limit_error", "rate_limit", "Rate limit reached.", true},
	failUnavailable:     {503, "service_unavailable_error", limiter.Unavailable.String(), "The gateway cannot reach its store; try again shortly.", true},
	failUpstreamDown:    {502, "upstream_error", "upstream_unreachable", "The upstream could not be reached.", false},
	failUpstreamTimeout: {504, "upstream_error", "upstream_timeout", "The upstream did not answer in time.", false},
	failUpstreamBusy:    {503, "upstream_error", "upstream_busy", "Too many requests are in flight to this upstream.", false},
}

// failureOf maps a refusing admission outcome to its failure.
func failureOf(o limiter.Outcome) failure {
	switch o {
	case limiter.Unknown:
		return failUnknownToken
	case limiter.Revoked:
		return failRevoked
	case limiter.UpstreamUnknown:
		return failUnknownUpstream
	case limiter.Forbidden:
		return failForbidden
	case limiter.RoleForbidden:
		return failRoleForbidden
	case limiter.Limited:
		return failLimited
	}
	return failUnavailable
}

// fail is the one place that answers a request with an error: it sets the
// status, the rate-limit headers of a 429, and the JSON body
// {"error":{"message","type","code"}}, and counts denials by reason. d may
// be nil when no decision was made.
func (g *Gateway) fail(ctx *fasthttp.RequestCtx, f failure, d *limiter.Decision) {
	info := &failures[f]
	limited := f == failLimited && d != nil
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
	ctx.SetStatusCode(info.status)
	ctx.Response.Header.SetContentType("application/json")
	code := info.code
	if limited {
		code = d.Scope.Code()
		setRateHeaders(&ctx.Response.Header, d, true)
	}
	var b [512]byte
	body := append(b[:0], `{"error":{"message":"`...)
	if limited {
		body = limitMessage(body, d)
	} else {
		body = append(body, info.message...)
	}
	body = append(body, `","type":"`...)
	body = append(body, info.typ...)
	body = append(body, `","code":"`...)
	body = append(body, code...)
	body = append(body, "\"}}\n"...)
	ctx.Response.SetBody(body)
	if info.deny {
		g.met.Deny(code)
	}
}

// limitMessage appends a sentence naming the exhausted limit of d.
func limitMessage(dst []byte, d *limiter.Decision) []byte {
	dst = append(dst, "Rate limit reached: "...)
	dst = append(dst, d.Scope.Code()...)
	dst = append(dst, " allows "...)
	dst = strconv.AppendInt(dst, d.Limit, 10)
	dst = append(dst, " requests per minute. Retry after "...)
	dst = strconv.AppendInt(dst, ceilSeconds(d.RetryAfter, 1), 10)
	dst = append(dst, " s."...)
	return dst
}

// upstreamFailure classifies an error from the upstream client.
func upstreamFailure(err error) failure {
	var de *dialError
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrNoFreeConns), errors.Is(err, fasthttp.ErrConnPoolStrategyNotImpl):
		return failUpstreamBusy
	case errors.As(err, &de), errors.Is(err, fasthttp.ErrDialTimeout):
		return failUpstreamDown
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, fasthttp.ErrTimeout),
		errors.As(err, &ne) && ne.Timeout():
		return failUpstreamTimeout
	}
	return failUpstreamDown
}

// storeFailure classifies an error from Upstreams.GetUpstream.
func storeFailure(err error) failure {
	if errors.Is(err, store.ErrNotFound) {
		return failUnknownUpstream
	}
	return failUnavailable
}
