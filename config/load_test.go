package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// envMap turns a map into the lookup function Load takes.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tollgate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func operatorToken(t *testing.T) string {
	t.Helper()
	tok, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestLoadEmptyPathGivesValidDefaults: a server must start with no file at all.
func TestLoadEmptyPathGivesValidDefaults(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *cfg != Default() {
		t.Fatalf("got %+v, want the defaults", *cfg)
	}
	if cfg.Store.Timeout != 75*time.Millisecond || cfg.Proxy.MaxBodyBytes != 10485760 {
		t.Fatalf("unexpected defaults %+v", cfg)
	}
}

// TestLoadFileOverridesDefaultsAndKeepsTheRest: a partial file changes only what it names.
func TestLoadFileOverridesDefaultsAndKeepsTheRest(t *testing.T) {
	p := writeFile(t, `
listen: 0.0.0.0:8443
store:
  timeout: 50ms
  breaker: {failures: 3}
  fail_open: {rate_limit: true}
proxy:
  max_body_bytes: 0x100000
log:
  format: json
`)
	cfg, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Listen = "0.0.0.0:8443"
	want.Store.Timeout = 50 * time.Millisecond
	want.Store.Breaker.Failures = 3
	want.Store.FailOpen.RateLimit = true
	want.Proxy.MaxBodyBytes = 1 << 20
	want.Log.Format = "json"
	if *cfg != want {
		t.Fatalf("got\n%+v\nwant\n%+v", *cfg, want)
	}
}

// TestEnvOverridesFileByDerivedNames: every variable is named after its YAML path.
func TestEnvOverridesFileByDerivedNames(t *testing.T) {
	p := writeFile(t, "store:\n  timeout: 50ms\n")
	op := operatorToken(t)
	cfg, err := Load(p, envMap(map[string]string{
		"TOLLGATE_REDIS_URL":              "redis://:pw@127.0.0.1:6379/0",
		"TOLLGATE_PROXY_MAX_BODY_BYTES":   "2048",
		"TOLLGATE_STORE_TIMEOUT":          "120ms",
		"TOLLGATE_STORE_FAIL_OPEN_AUTH":   "true",
		"TOLLGATE_STORE_BREAKER_COOLDOWN": "1m",
		"TOLLGATE_OPERATOR_TOKEN":         op,
		"TOLLGATE_STORE_LOCAL_RPM":        "3",
		"UNRELATED":                       "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://:pw@127.0.0.1:6379/0" || cfg.Proxy.MaxBodyBytes != 2048 ||
		cfg.Store.Timeout != 120*time.Millisecond || !cfg.Store.FailOpen.Auth ||
		cfg.Store.Breaker.Cooldown != time.Minute || cfg.OperatorToken != op || cfg.Store.LocalRPM != 3 {
		t.Fatalf("env not applied: %+v", cfg.Redacted())
	}
	if h, ok := cfg.OperatorHash(); !ok || h != token.HashOf([]byte(op)) {
		t.Fatal("OperatorHash does not match the configured token")
	}
}

// TestEnvNamesCoverEveryField: the derivation is total and has no collisions.
func TestEnvNamesCoverEveryField(t *testing.T) {
	names := EnvNames()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Fatalf("duplicate variable %s", n)
		}
		seen[n] = true
	}
	for _, want := range []string{"TOLLGATE_LISTEN", "TOLLGATE_ADMIN_LISTEN", "TOLLGATE_REDIS_URL",
		"TOLLGATE_PROXY_MAX_BODY_BYTES", "TOLLGATE_STORE_TIMEOUT", "TOLLGATE_STORE_FAIL_OPEN_RATE_LIMIT",
		"TOLLGATE_SHUTDOWN_GRACE", "TOLLGATE_LOG_LEVEL", "TOLLGATE_OPERATOR_TOKEN"} {
		if !seen[want] {
			t.Errorf("missing %s in %v", want, names)
		}
	}
	if len(names) != 35 {
		t.Errorf("got %d variables, want 35 (one per leaf field): %v", len(names), names)
	}
}

// TestRedactedHidesSecrets: a logged config must not leak the operator token or a Redis password.
func TestRedactedHidesSecrets(t *testing.T) {
	op := operatorToken(t)
	cfg := Default()
	cfg.OperatorToken = op
	cfg.RedisURL = "redis://user:s3cretpw@redis:6379/0"
	s := cfg.String()
	if strings.Contains(s, op) || strings.Contains(s, op[token.DisplayLen:]) || strings.Contains(s, "s3cretpw") {
		t.Fatalf("secret in %s", s)
	}
	if !strings.Contains(s, "redis:6379") {
		t.Fatalf("redacted URL lost its host: %s", s)
	}
}

// TestDeployExampleLoadsAndValidates: the shipped example must stay loadable.
func TestDeployExampleLoadsAndValidates(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "deploy", "tollgate.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen == "" || cfg.Store.Timeout <= 0 {
		t.Fatalf("example config incomplete: %+v", cfg.Redacted())
	}
}
