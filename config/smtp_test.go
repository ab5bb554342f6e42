package config

import (
	"strings"
	"testing"
)

// TestSMTPDefaultsDisableMail: with no smtp section e-mail is off and STARTTLS is opportunistic.
func TestSMTPDefaultsDisableMail(t *testing.T) {
	cfg, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP != (SMTPConfig{StartTLS: "auto"}) {
		t.Fatalf("got %+v, want only starttls auto", cfg.SMTP)
	}
}

// TestSMTPLoadsFromFileAndEnv: the password comes from TOLLGATE_SMTP_PASSWORD, the rest from YAML.
func TestSMTPLoadsFromFileAndEnv(t *testing.T) {
	p := writeFile(t, `
smtp:
  addr: smtp.example.com:587
  from: "Tollgate <tollgate@example.com>"
  username: tollgate
  starttls: always
  public_url: https://tollgate.example.com/
`)
	cfg, err := Load(p, envMap(map[string]string{"TOLLGATE_SMTP_PASSWORD": "pa55word"}))
	if err != nil {
		t.Fatal(err)
	}
	want := SMTPConfig{Addr: "smtp.example.com:587", From: "Tollgate <tollgate@example.com>", Username: "tollgate",
		Password: "pa55word", StartTLS: "always", PublicURL: "https://tollgate.example.com/"}
	if cfg.SMTP != want {
		t.Fatalf("got %+v, want %+v", cfg.Redacted().SMTP, want)
	}
	if got := cfg.PublicURL(); got != "https://tollgate.example.com" {
		t.Fatalf("PublicURL() = %q, want it without the trailing slash", got)
	}
}

// TestPublicURLDerivedFromAdminListen: without public_url, links point at the admin listener.
func TestPublicURLDerivedFromAdminListen(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{
		{"127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"0.0.0.0:9090", "http://localhost:9090"},
		{":9090", "http://localhost:9090"},
		{"[::]:9090", "http://localhost:9090"},
		{"[::1]:9090", "http://[::1]:9090"},
		{"admin.internal:9090", "http://admin.internal:9090"},
	} {
		cfg := Default()
		cfg.AdminListen = tc.listen
		if got := cfg.PublicURL(); got != tc.want {
			t.Errorf("admin_listen %q: PublicURL() = %q, want %q", tc.listen, got, tc.want)
		}
	}
}

// TestSMTPValidateErrorsNameField: each bad smtp setting is refused with its field named.
func TestSMTPValidateErrorsNameField(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"addr not host:port", "smtp: {addr: mail.example.com, from: a@example.com}\n", []string{"smtp.addr: want host:port"}},
		{"addr port zero", "smtp: {addr: \"mail.example.com:0\", from: a@example.com}\n", []string{"smtp.addr: port 0"}},
		{"from missing", "smtp: {addr: \"mail.example.com:587\"}\n", []string{"smtp.from: required when smtp.addr is set"}},
		{"from invalid", "smtp: {addr: \"mail.example.com:587\", from: not-an-address}\n", []string{"smtp.from: not a valid e-mail address", "not-an-address"}},
		{"username without password", "smtp: {addr: \"mail.example.com:587\", from: a@example.com, username: u}\n", []string{"smtp.password: smtp.username and smtp.password must be set together"}},
		{"starttls unknown", "smtp: {starttls: sometimes}\n", []string{"smtp.starttls: must be auto, always or never", "sometimes"}},
		{"password in clear to a remote host", "smtp: {addr: \"mail.example.com:25\", from: a@example.com, username: u, password: hunter2, starttls: never}\n", []string{"smtp.starttls: never would send the password in clear"}},
		{"public url scheme", "smtp: {public_url: \"ftp://x\"}\n", []string{"smtp.public_url: must be an http or https URL"}},
		{"public url no host", "smtp: {public_url: \"https://\"}\n", []string{"smtp.public_url: missing host"}},
		{"public url relative", "smtp: {public_url: /admin}\n", []string{"smtp.public_url: must be an http or https URL"}},
		{"public url with query", "smtp: {public_url: \"https://x.example/?a=1\"}\n", []string{"smtp.public_url: must be a base URL"}},
		{"unknown smtp key", "smtp: {host: x}\n", []string{"smtp.host: unknown field", "known: addr, from, username, password, starttls, public_url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), nil)
			assertErr(t, err, tc.want)
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error quotes the password: %v", err)
			}
		})
	}
}

// TestSMTPNeverOverLoopbackIsAllowed: a local relay without TLS is a legitimate setup.
func TestSMTPNeverOverLoopbackIsAllowed(t *testing.T) {
	_, err := Load(writeFile(t, "smtp: {addr: \"127.0.0.1:25\", from: a@example.com, username: u, password: p, starttls: never}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
}

// TestRedactedHidesSMTPPassword: a logged config must not leak the SMTP password.
func TestRedactedHidesSMTPPassword(t *testing.T) {
	cfg := Default()
	cfg.SMTP = SMTPConfig{Addr: "mail.example.com:587", From: "a@example.com", Username: "u", Password: "s3cret-smtp", StartTLS: "auto"}
	if s := cfg.String(); strings.Contains(s, "s3cret-smtp") || !strings.Contains(s, "mail.example.com:587") {
		t.Fatalf("bad redaction: %s", s)
	}
	if cfg.SMTP.Password != "s3cret-smtp" {
		t.Fatal("Redacted changed the original")
	}
}
