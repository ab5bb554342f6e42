// Package config loads Tollgate's configuration: plain typed structs read from
// a YAML file, overridden by TOLLGATE_* environment variables, filled with
// defaults in one place (Default) and checked by one Validate.
//
// Loading is strict. An unknown YAML key, a value of the wrong type or a
// malformed duration is an error that names the field's dotted path and the
// file line, such as "config: tollgate.yaml:7:3: proxy.max_body_bytes: want an
// integer, got \"ten\"". Every environment variable name is derived from the
// YAML path: store.timeout is TOLLGATE_STORE_TIMEOUT, proxy.max_body_bytes is
// TOLLGATE_PROXY_MAX_BODY_BYTES. Durations are Go duration strings ("75ms",
// "2s", "5m").
//
// Precedence, lowest first: Default, the YAML file, the environment. A YAML
// null (an empty value) leaves the default in place.
//
// A Config is a value: it is not mutated after Load returns, so it may be
// shared between goroutines. Its String method never shows the operator
// token or a Redis password.
package config
