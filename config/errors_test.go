package config

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/token"
)

// TestLoadErrorsNameFieldAndLine: each bad file is refused with a message
// that tells the operator which field on which line to fix.
func TestLoadErrorsNameFieldAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"unknown top-level field", "listen: 127.0.0.1:1\nlisten_addr: x\n", []string{"tollgate.yaml:2:1", "listen_addr: unknown field"}},
		{"unknown nested field", "store:\n  timeout: 1s\n  timout: 2s\n", []string{"tollgate.yaml:3:3", "store.timout: unknown field", "known: timeout"}},
		{"bad duration", "store:\n  timeout: 75\n", []string{"tollgate.yaml:2:12", "store.timeout", "Go duration"}},
		{"bad integer", "proxy:\n  max_body_bytes: ten\n", []string{":2:19", "proxy.max_body_bytes", "want an integer", `"ten"`}},
		{"integer overflow", "proxy:\n  max_conns_per_upstream: 99999999999999999999\n", []string{":2:27", "proxy.max_conns_per_upstream"}},
		{"bad bool", "store:\n  fail_open:\n    auth: maybe\n", []string{":3:11", "store.fail_open.auth", "true or false"}},
		{"list for a scalar", "listen: [a, b]\n", []string{":1:9", "listen", "want a single value, got a list"}},
		{"scalar for a mapping", "store: fast\n", []string{":1:8", "store", "want a mapping"}},
		{"duplicate key", "log:\n  level: info\n  level: debug\n", []string{":3:3", "log.level: set twice"}},
		{"not a mapping at top", "- a\n- b\n", []string{":1:1", "(top level)"}},
		{"syntax error", "store: {timeout: 1s\n", []string{"config: tollgate.yaml: yaml:"}},
		{"merge key", "store:\n  <<: {timeout: 1s}\n", []string{":2:3", "merge keys (<<) are not supported"}},
		{"every problem at once", "listen: x\nlog: {level: loud}\nproxy: {idle_timeout: soon}\n", []string{":3:23", "proxy.idle_timeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), nil)
			assertErr(t, err, tc.want)
		})
	}
}

// TestValidateErrorsNameField: semantic problems name the field, and all of them are reported.
func TestValidateErrorsNameField(t *testing.T) {
	memberTok, _ := token.New(token.Member, token.NewID())
	opTok, _ := token.New(token.Operator, token.OperatorWorkspace)
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"listen not host:port", "listen: localhost\n", []string{"listen: want host:port"}},
		{"admin port out of range", "admin_listen: 127.0.0.1:70000\n", []string{"admin_listen: port must be"}},
		{"same listeners", "listen: 127.0.0.1:1\nadmin_listen: 127.0.0.1:1\n", []string{"admin_listen: must differ"}},
		{"no data dir and no redis", "data_dir: \"\"\n", []string{"data_dir: required"}},
		{"redis scheme", "redis_url: http://x:1\n", []string{"redis_url: scheme must be"}},
		{"redis no host", "redis_url: \"redis://\"\n", []string{"redis_url: missing host"}},
		{"operator token garbage", "operator_token: tgo_abc\n", []string{"operator_token: not a valid token"}},
		{"operator token wrong kind", "operator_token: " + memberTok + "\n", []string{"operator_token: must be an operator token", "member"}},
		{"store timeout zero", "store: {timeout: 0s}\n", []string{"store.timeout: must be a positive duration"}},
		{"breaker failures", "store: {breaker: {failures: 0}}\n", []string{"store.breaker.failures: must be at least 1"}},
		{"breaker cooldown", "store: {breaker: {cooldown: -1s}}\n", []string{"store.breaker.cooldown"}},
		{"local rpm", "store: {local_rpm: 0}\n", []string{"store.local_rpm"}},
		{"drain timeout", "proxy: {drain_timeout: 0s}\n", []string{"proxy.drain_timeout: must be a positive duration"}},
		{"drain bytes", "proxy: {drain_bytes: 0}\n", []string{"proxy.drain_bytes: must be at least 1, got 0"}},
		{"max body", "proxy: {max_body_bytes: 0}\n", []string{"proxy.max_body_bytes: must be at least 1"}},
		{"connect timeout", "proxy: {connect_timeout: 0s}\n", []string{"proxy.connect_timeout"}},
		{"first byte timeout", "proxy: {first_byte_timeout: 0s}\n", []string{"proxy.first_byte_timeout"}},
		{"idle timeout", "proxy: {idle_timeout: 0s}\n", []string{"proxy.idle_timeout"}},
		{"max conns", "proxy: {max_conns_per_upstream: 0}\n", []string{"proxy.max_conns_per_upstream"}},
		{"shutdown grace", "shutdown_grace: -1s\n", []string{"shutdown_grace: must not be negative"}},
		{"log level", "log: {level: loud}\n", []string{"log.level: must be debug"}},
		{"log format", "log: {format: xml}\n", []string{"log.format: must be text or json"}},
		{"several at once", "log: {level: loud, format: xml}\nstore: {timeout: 0s}\n", []string{"log.level", "log.format", "store.timeout"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), nil)
			assertErr(t, err, tc.want)
			if strings.Contains(err.Error(), memberTok) || strings.Contains(err.Error(), opTok) {
				t.Fatal("error message contains a token")
			}
		})
	}
}

// TestValidateNeverEchoesRedisURL: a Redis URL may hold a password, so errors must not quote it.
func TestValidateNeverEchoesRedisURL(t *testing.T) {
	for _, u := range []string{"redis://:hunter2@%zz", "http://:hunter2@host:1"} {
		_, err := Load("", envMap(map[string]string{"TOLLGATE_REDIS_URL": u}))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("%q: got %v", u, err)
		}
	}
}

// TestEnvErrorsNameVariable: a bad override says which variable to fix.
func TestEnvErrorsNameVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"TOLLGATE_STORE_TIMEOUT": "fast"}, []string{"TOLLGATE_STORE_TIMEOUT", "store.timeout", "Go duration"}},
		{map[string]string{"TOLLGATE_PROXY_MAX_BODY_BYTES": "10MB"}, []string{"TOLLGATE_PROXY_MAX_BODY_BYTES", "want an integer"}},
		{map[string]string{"TOLLGATE_STORE_FAIL_OPEN_AUTH": "yes please"}, []string{"TOLLGATE_STORE_FAIL_OPEN_AUTH", "true or false"}},
		{map[string]string{"TOLLGATE_LOG_LEVEL": "loud"}, []string{"log.level"}},
		{map[string]string{"TOLLGATE_STORE_TIMEOUT": "x", "TOLLGATE_SHUTDOWN_GRACE": "y"}, []string{"TOLLGATE_STORE_TIMEOUT", "TOLLGATE_SHUTDOWN_GRACE"}},
	}
	for _, tc := range tests {
		_, err := Load("", envMap(tc.env))
		assertErr(t, err, tc.want)
	}
}

// TestLoadMissingFile: a wrong path is an error, not silent defaults.
func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/tollgate.yaml", nil)
	assertErr(t, err, []string{"config:", "/nonexistent/tollgate.yaml"})
}

func assertErr(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
