package config

import "time"

// Default returns the configuration used for every field that neither the
// file nor the environment sets. It is the only place defaults are filled.
func Default() Config {
	return Config{
		Listen:      "127.0.0.1:8080",
		AdminListen: "127.0.0.1:9090",
		DataDir:     "./.tollgate",
		Store: StoreConfig{
			Timeout:  75 * time.Millisecond,
			Breaker:  BreakerConfig{Failures: 5, Cooldown: 2 * time.Second},
			LocalRPM: 1200,
		},
		Proxy: ProxyConfig{
			MaxBodyBytes:        10 << 20,
			ConnectTimeout:      5 * time.Second,
			FirstByteTimeout:    300 * time.Second,
			IdleTimeout:         300 * time.Second,
			MaxConnsPerUpstream: 512,
			ClientReadTimeout:   time.Minute,
			ClientIdleTimeout:   2 * time.Minute,
			PublicRefresh:       2 * time.Second,
			DrainTimeout:        2 * time.Minute,
			DrainBytes:          64 << 20,
			MCPStreamRecheck:    5 * time.Second,
		},
		ShutdownGrace: 30 * time.Second,
		Log:           LogConfig{Level: "info", Format: "text"},
		SMTP:          SMTPConfig{StartTLS: "auto"},
	}
}

// defaultPricing is the pricing section's defaults, which apply to the
// fields a file's pricing section leaves out. With no section at all,
// Config.Pricing stays nil and metering is off.
func defaultPricing() PricingConfig {
	return PricingConfig{UnknownModel: UnknownModelRefuse, DefaultOutputTokens: 1024}
}

// setDefaults fills p with defaultPricing; the YAML loader calls it when a
// file names the section.
func (p *PricingConfig) setDefaults() { *p = defaultPricing() }
