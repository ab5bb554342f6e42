package config

import "time"

// Config is Tollgate's whole configuration. Its yaml tags are the file's keys;
// the environment variable of each field is derived from them (see envName).
type Config struct {
	Listen        string `yaml:"listen"`         // data plane address (fasthttp), host:port
	AdminListen   string `yaml:"admin_listen"`   // admin API, /metrics, /healthz, /readyz, host:port
	DataDir       string `yaml:"data_dir"`       // embedded store directory; used when RedisURL is empty
	RedisURL      string `yaml:"redis_url"`      // redis://, rediss:// or unix://; set → Redis store shared by replicas
	OperatorToken string `yaml:"operator_token"` // tgo_… operator token; empty disables the admin API (every call is 401)

	Store         StoreConfig   `yaml:"store"`
	Proxy         ProxyConfig   `yaml:"proxy"`
	ShutdownGrace time.Duration `yaml:"shutdown_grace"` // how long in-flight requests may finish after a stop signal
	Log           LogConfig     `yaml:"log"`
	Debug         DebugConfig   `yaml:"debug"`
	SMTP          SMTPConfig    `yaml:"smtp"`
	// Pricing is the price table; nil (no pricing section) turns metering
	// off. It is read only from the file (see PricingConfig).
	Pricing *PricingConfig `yaml:"pricing"`
}

// SMTPConfig is the mail server used to send invitations and alerts. The
// zero Addr disables e-mail: the inviter is given the accept link instead.
type SMTPConfig struct {
	Addr     string `yaml:"addr"`     // submission server, host:port (usually port 587); empty disables e-mail
	From     string `yaml:"from"`     // sender address, such as "Tollgate <tollgate@example.com>"; required with addr
	Username string `yaml:"username"` // AUTH PLAIN user; empty sends without authentication
	// Password is the AUTH PLAIN password, best set as TOLLGATE_SMTP_PASSWORD.
	// It is never logged (see Redacted) and never quoted in an error.
	Password string `yaml:"password"`
	// StartTLS is auto (upgrade when the server offers it), always (refuse
	// to send without it) or never (plain text; only for a local relay).
	StartTLS string `yaml:"starttls"`
	// PublicURL is the externally reachable base URL of the admin listener,
	// used in accept links. Empty derives it from admin_listen (see
	// Config.PublicURL).
	PublicURL string `yaml:"public_url"`
}

// DebugConfig holds switches for diagnosing a running gateway.
type DebugConfig struct {
	// Pprof serves net/http/pprof under /debug/pprof/ on the admin listener.
	// Off by default: profiles expose internals, so enable it only where the
	// admin listener is private.
	Pprof bool `yaml:"pprof"`
}

// StoreConfig bounds every call to the store and says what admission does
// when the store cannot answer.
type StoreConfig struct {
	Timeout time.Duration `yaml:"timeout"` // per store call; must be > 0
	Breaker BreakerConfig `yaml:"breaker"`
	// FailOpen chooses, per check, whether an unreachable store admits
	// requests under a local limit (true) or refuses them with 503 (false).
	FailOpen FailOpenConfig `yaml:"fail_open"`
	// LocalRPM is the requests per minute each workspace may make through
	// one replica while rate limits fail open. It holds per replica, so
	// replicas together allow it times their number.
	LocalRPM int64 `yaml:"local_rpm"`
}

// BreakerConfig is the store's circuit breaker.
type BreakerConfig struct {
	Failures int           `yaml:"failures"` // consecutive failures that open the breaker; >= 1
	Cooldown time.Duration `yaml:"cooldown"` // time open before a trial call; > 0
}

// FailOpenConfig holds the fail-open choice of each admission check. The zero
// value fails every check closed.
type FailOpenConfig struct {
	Auth      bool `yaml:"auth"`       // admit unknown-state tokens when the store is down
	RateLimit bool `yaml:"rate_limit"` // apply local limits when the store is down
	// Credits admits requests that reserve credits (an estimate from the
	// price table) while the store is down; off by default, so money checks
	// fail closed. Such requests hold nothing and are charged when the store
	// answers again.
	Credits bool `yaml:"credits"`
}

// ProxyConfig bounds the data plane's requests to upstreams.
type ProxyConfig struct {
	MaxBodyBytes        int64         `yaml:"max_body_bytes"`         // largest request body accepted, in bytes
	ConnectTimeout      time.Duration `yaml:"connect_timeout"`        // dialing an upstream
	FirstByteTimeout    time.Duration `yaml:"first_byte_timeout"`     // from request sent to first response byte
	IdleTimeout         time.Duration `yaml:"idle_timeout"`           // longest silence inside a streamed response
	MaxConnsPerUpstream int           `yaml:"max_conns_per_upstream"` // open connections per upstream host
	ClientReadTimeout   time.Duration `yaml:"client_read_timeout"`    // reading one client request, head and body
	ClientIdleTimeout   time.Duration `yaml:"client_idle_timeout"`    // idle keep-alive client connections are closed after it
	// PublicRefresh is how often each replica reloads the names of public
	// upstreams: a new or deleted public upstream takes effect within it.
	PublicRefresh time.Duration `yaml:"public_refresh"`
	// DrainTimeout and DrainBytes bound how long and how much of an LLM
	// response the gateway reads on after its client disconnected, so the
	// usage the upstream bills is still settled.
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	DrainBytes   int64         `yaml:"drain_bytes"`
	// MCPAllowedOrigins lists, comma-separated, the browser origins
	// (scheme://host[:port], or *) that may reach MCP upstreams; a request
	// with another Origin header gets 403, one without passes. Empty
	// allows no browser origin.
	MCPAllowedOrigins string `yaml:"mcp_allowed_origins"`
	// MCPStreamIdleTimeout is the longest silence on an MCP GET stream; 0
	// (the default) means none, since such streams may rightly be silent
	// for hours. idle_timeout does not apply to them.
	MCPStreamIdleTimeout time.Duration `yaml:"mcp_stream_idle_timeout"`
	// MCPStreamRecheck is how often each open MCP stream's token is
	// re-read from the store (the backstop for a lost revocation message)
	// and its client probed.
	MCPStreamRecheck time.Duration `yaml:"mcp_stream_recheck"`
}

// LogConfig chooses the log level and format.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}
