// Package admin serves Tollgate's admin API on the admin listener: JSON under
// /v1 for workspaces, members, keys, tokens and upstreams; credits, the
// ledger, vouchers and billing settings; usage analytics and the audit trail
// of proxied requests (JSON or CSV); and alert webhooks, plus /healthz
// (the process is alive), /readyz (the store answers), /metrics (Prometheus)
// and /v1/openapi.json (the OpenAPI 3 document, embedded from openapi.json).
//
// Every /v1 call except the OpenAPI document needs the operator token as
// "Authorization: Bearer tgo_…"; it is compared by SHA-256 hash in constant
// time. Errors are {"error": {"code": "...", "message": "..."}} with a stable
// code (see errors.go). Request bodies are limited in size and unknown fields
// are refused with a message naming them. Lists are paginated with ?limit and
// ?cursor and answer {"items": [...], "next_cursor": "..."}.
//
// Secrets leave the API exactly once: a member token in the response that
// creates the member or rotates its token, a workspace key's secret, a
// voucher code or a webhook's signing secret in the response that creates
// it. Money is integer micro-credits, with a decimal "*_credits" twin for
// people. Upstream credentials are write-only: responses
// carry view types that have no field for them.
//
// The handler returned by New is safe for concurrent use.
package admin
