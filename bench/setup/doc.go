// Command setup prepares Tollgate for the benchmark.
//
//	setup operator-token
//
// prints a fresh operator token (tgo_) for the generated config.
//
//	setup provision -admin URL -gateway URL -upstream URL [-credits N] [-member-cap µc] [-mcp]
//
// reads the operator token from $TOLLGATE_BENCH_OPERATOR, creates a workspace
// through the admin API, raises its rate limits far above anything the
// benchmark can reach, registers the mock upstream as "mock", tops the
// workspace up with N credits (the "money" targets, whose config carries a
// price table), creates a member with a monthly spend cap of µc when given
// (so admission checks a cap too), with -mcp registers the mock's MCP
// server as upstreams "mcp" (JSON answers) and "mcpsse" (SSE answers),
// checks that one request through the gateway answers 200 (and with -mcp
// that one tools/call through each MCP upstream answers a result), and
// prints the member token on stdout (and nothing else there). Failures
// print the step, the HTTP status and the start of the response body on
// stderr; tokens are never printed there.
package main
