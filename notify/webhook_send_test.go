package notify

import (
	"net/http"
	"testing"
	"time"
)

// TestClassify: only 2xx delivers; network-ish statuses retry; other client errors give up.
func TestClassify(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		ok, retry  bool
		wait       time.Duration
	}{
		{200, "", true, false, 0},
		{204, "", true, false, 0},
		{400, "", false, false, 0},
		{401, "", false, false, 0},
		{404, "", false, false, 0},
		{410, "", false, false, 0},
		{408, "", false, true, 0},
		{429, "120", false, true, 2 * time.Minute},
		{429, "Wed, 21 Oct 2015 07:28:00 GMT", false, true, 0}, // dates are ignored
		{500, "30", false, true, 0},                            // Retry-After only on 429 and 503
		{503, "7", false, true, 7 * time.Second},
		{502, "", false, true, 0},
	}
	for _, tc := range tests {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		if tc.retryAfter != "" {
			resp.Header.Set("Retry-After", tc.retryAfter)
		}
		r := classify(resp)
		if r.ok() != tc.ok || r.retry != tc.retry || r.retryAfter != tc.wait || r.status != tc.status {
			t.Errorf("%d: got %+v", tc.status, r)
		}
	}
}

// TestBackoffDelay: the schedule steps through Backoff, repeats its last wait, and honours a longer Retry-After up to the cap.
func TestBackoffDelay(t *testing.T) {
	d := &Dispatcher{cfg: DispatcherConfig{Backoff: DefaultBackoff}}
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 30 * time.Second, 3: 2 * time.Minute, 5: time.Hour, 9: time.Hour} {
		if got := d.delay(n, 0); got != want {
			t.Errorf("delay(%d) = %s, want %s", n, got, want)
		}
	}
	if got := d.delay(1, 90*time.Second); got != 90*time.Second {
		t.Errorf("Retry-After 90s: %s", got)
	}
	if got := d.delay(1, 5*time.Hour); got != time.Hour {
		t.Errorf("Retry-After 5h: %s, want the 1h cap", got)
	}
}
