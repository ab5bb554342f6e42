package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var classes = [4]string{"2xx", "3xx", "4xx", "5xx"}

// Upstream holds the resolved metric children of one upstream name. Its
// methods do not allocate and are safe for concurrent use; on a nil
// *Upstream they do nothing.
type Upstream struct {
	classes  [4]prometheus.Counter
	upstream prometheus.Observer
	ttfb     prometheus.Observer
}

// Count counts one response with HTTP status code status. Codes below 300
// count as 2xx and codes above 599 as 5xx.
func (u *Upstream) Count(status int) {
	if u == nil {
		return
	}
	i := min(max(status/100-2, 0), 3)
	u.classes[i].Inc()
}

// ObserveUpstream records d as the time to the upstream's response headers.
func (u *Upstream) ObserveUpstream(d time.Duration) {
	if u != nil {
		u.upstream.Observe(d.Seconds())
	}
}

// ObserveTTFB records d as the time to the first body byte of a stream.
func (u *Upstream) ObserveTTFB(d time.Duration) {
	if u != nil {
		u.ttfb.Observe(d.Seconds())
	}
}
