package devmode

import "time"

// Option configures a demo upstream built by [NewOpenAI], [NewMCP] or [Start].
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock sets the clock the demo upstreams read: the `created` field of
// chat completions and the answer of the MCP `time` tool. The default is
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
