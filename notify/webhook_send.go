package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxDrain bounds how much of a receiver's answer is read (and discarded)
// so the connection can be reused.
const maxDrain = 64 << 10

// result is the outcome of one attempt.
type result struct {
	status     int
	err        string        // why it failed, without the URL or the secret; "" on success
	retry      bool          // a network error, 408, 429 or 5xx
	retryAfter time.Duration // the receiver's Retry-After on 429 and 503, else 0
}

// ok reports a 2xx answer.
func (r result) ok() bool { return r.err == "" }

// post makes one attempt: it POSTs the event's body, signed at the clock's
// time, and classifies the answer.
func (d *Dispatcher) post(x *delivery, id string) result {
	if err := CheckWebhookURL(x.hook.URL, d.cfg.AllowLoopback); err != nil {
		return result{err: err.Error()}
	}
	ctx, cancel := context.WithTimeout(d.base, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.hook.URL, bytes.NewReader(x.ev.body))
	if err != nil {
		return result{err: "cannot build the request: " + describe(err)}
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", d.cfg.UserAgent)
	h.Set(HeaderEvent, x.ev.Type)
	h.Set(HeaderDelivery, id)
	h.Set(HeaderSignature, Sign([]byte(x.hook.Secret), d.cfg.Clock.Now(), x.ev.body))
	resp, err := d.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return result{err: fmt.Sprintf("no answer within %s", d.cfg.Timeout), retry: true}
		}
		return result{err: describe(err), retry: !errors.Is(err, ErrWebhookURL)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return classify(resp)
}

// classify maps an answer to a result: 2xx is delivered; 408, 429 and 5xx
// are retried; any other status (redirects included, which are not
// followed) is given up.
func classify(resp *http.Response) result {
	s := resp.StatusCode
	r := result{status: s}
	switch {
	case s >= 200 && s < 300:
		return r
	case s >= 300 && s < 400:
		r.err = fmt.Sprintf("receiver answered %d %s; redirects are not followed", s, http.StatusText(s))
		return r
	}
	r.err = fmt.Sprintf("receiver answered %d %s", s, http.StatusText(s))
	r.retry = s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500
	if s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable {
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			r.retryAfter = time.Duration(secs) * time.Second
		}
	}
	return r
}

// describe returns err's text without the *url.Error wrapper, which quotes
// the URL (it may carry a token in its path or query).
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
