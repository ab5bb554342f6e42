package gateway

import (
	"errors"
	"net"
	"os"
	"strconv"
	"unicode/utf8"

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
	failUnknownModel
	failUnmetered
	failUnknownToken
	failRevoked
	failUnknownUpstream
	failForbidden
	failRoleForbidden
	failLimited
	failSpendCapped
	failNoCredits
	failUnavailable
	failUpstreamDown
	failUpstreamTimeout
	failUpstreamBusy
	failOrigin
)

// failNone is no failure; it indexes nothing in failures.
const failNone failure = 255

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
	failUnknownModel:    {400, "invalid_request_error", "unknown_model", "The model has no price in this gateway's price table: ", true},
	failUnmetered: {400, "invalid_request_error", "unmetered_request", "The gateway cannot meter this request: its body names no model it can read (a JSON model member), " +
		"and this gateway charges no default for such requests (pricing.default_request_credits is 0).", true},
	failUnknownToken:    {401, "authentication_error", limiter.Unknown.String(), "The API token is not known.", true},
	failRevoked:         {401, "authentication_error", limiter.Revoked.String(), "The API token was revoked or has expired, or its member was removed.", true},
	failUnknownUpstream: {404, "not_found_error", limiter.UpstreamUnknown.String(), "No such upstream in this workspace.", true},
	failForbidden:       {403, "permission_error", limiter.Forbidden.String(), "This token may not use this upstream.", true},
	failRoleForbidden:   {403, "permission_error", limiter.RoleForbidden.String(), "The member's role (reader) may not use the gateway.", true},
	failLimited:         {429, "rate_limit_error", "rate_limit", "Rate limit reached.", true},
	failSpendCapped:     {429, "rate_limit_error", "spend_cap", "Monthly cap reached.", true},
	failNoCredits:       {402, "insufficient_quota", limiter.NoCredits.String(), "Insufficient credits: the workspace's balance cannot cover this request's estimated cost.", true},
	failUnavailable:     {503, "service_unavailable_error", limiter.Unavailable.String(), "The gateway cannot reach its store; try again shortly.", true},
	failUpstreamDown:    {502, "upstream_error", "upstream_unreachable", "The upstream could not be reached.", false},
	failUpstreamTimeout: {504, "upstream_error", "upstream_timeout", "The upstream did not answer in time.", false},
	failUpstreamBusy:    {503, "upstream_error", "upstream_busy", "Too many requests are in flight to this upstream.", false},
	failOrigin:          {403, "permission_error", "origin_forbidden", "This Origin may not reach MCP upstreams (proxy.mcp_allowed_origins).", true},
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
	case limiter.SpendCapped:
		return failSpendCapped
	case limiter.NoCredits:
		return failNoCredits
	}
	return failUnavailable
}

// fail is the one place that answers a request with an error: it sets the
// status, the rate-limit headers of a 429 (Retry-After alone for a monthly
// cap, whose window is not a minute), and the JSON body
// {"error":{"message","type","code"}}, and counts denials by reason. d may
// be nil when no decision was made.
func (g *Gateway) fail(ctx *fasthttp.RequestCtx, f failure, d *limiter.Decision) {
	g.failWith(ctx, f, d, "")
}

// failWith is fail with detail appended to the message as a JSON string
// (the unknown model's name).
func (g *Gateway) failWith(ctx *fasthttp.RequestCtx, f failure, d *limiter.Decision, detail string) {
	info := &failures[f]
	scoped := (f == failLimited || f == failSpendCapped) && d != nil
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
	ctx.SetStatusCode(info.status)
	ctx.Response.Header.SetContentType("application/json")
	code := info.code
	if scoped {
		code = d.Scope.Code()
		if f == failLimited {
			setRateHeaders(&ctx.Response.Header, d, true)
		} else {
			setRetryAfter(&ctx.Response.Header, d)
		}
	}
	var b [512]byte
	body := append(b[:0], `{"error":{"message":"`...)
	switch {
	case scoped:
		body = limitMessage(body, d)
	case detail != "":
		body = append(body, info.message...)
		body = appendJSONText(body, detail, maxDetail)
	default:
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

// maxDetail bounds the bytes of a detail quoted in an error message.
const maxDetail = 160

// limitMessage appends a sentence naming the exhausted limit of d, in its
// unit: requests or tokens per minute, credits or tokens per billing period.
func limitMessage(dst []byte, d *limiter.Decision) []byte {
	capped := d.Outcome == limiter.SpendCapped
	if capped {
		dst = append(dst, "Monthly cap reached: "...)
	} else {
		dst = append(dst, "Rate limit reached: "...)
	}
	dst = append(dst, d.Scope.Code()...)
	dst = append(dst, " allows "...)
	switch d.Scope {
	case limiter.ScopeMemberSpend, limiter.ScopeKeySpend, limiter.ScopeKeyModelSpend:
		dst = store.AppendCredits(dst, d.Limit)
		dst = append(dst, " credits"...)
	default:
		dst = strconv.AppendInt(dst, d.Limit, 10)
		if isTokenScope(d.Scope) {
			dst = append(dst, " tokens"...)
		} else {
			dst = append(dst, " requests"...)
		}
	}
	if capped {
		dst = append(dst, " per billing period. Retry after "...)
	} else {
		dst = append(dst, " per minute. Retry after "...)
	}
	dst = strconv.AppendInt(dst, ceilSeconds(d.RetryAfter, 1), 10)
	dst = append(dst, " s."...)
	return dst
}

// isTokenScope reports whether s counts tokens rather than requests.
func isTokenScope(s limiter.Scope) bool {
	switch s {
	case limiter.ScopeMemberTokens, limiter.ScopeKeyTokens, limiter.ScopeWorkspaceTokens,
		limiter.ScopeKeyModelTokens, limiter.ScopeKeyModelTokensMonth:
		return true
	}
	return false
}

// appendJSONText appends s as the contents of a JSON string, escaping
// quotes, backslashes and control characters and replacing invalid UTF-8
// with '?', cut after at most limit bytes of s with "..." after a cut.
func appendJSONText(dst []byte, s string, limit int) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		if i >= limit {
			return append(dst, "..."...)
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch c := s[i]; {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, '?')
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
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
