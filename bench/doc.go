// Package bench holds the side-by-side benchmark harness (run.sh) and its
// small helper programs: upstream, a fasthttp mock LLM provider, and setup,
// which mints an operator token and provisions a workspace through the admin
// API. See README.md.
package bench
