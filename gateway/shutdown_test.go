package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/tollgate-dev/tollgate/gateway"
	"github.com/tollgate-dev/tollgate/store"
)

// streamingEnv starts a gateway whose upstream sends one event, waits for
// release, then sends a second and ends; it returns the client's reader
// positioned after the first event.
func streamingEnv(t *testing.T) (*env, chan struct{}, *bufio.Reader) {
	e := newEnv(t, gateway.Config{}, store.Limits{})
	release := make(chan struct{})
	up := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: 2\n\n")
	})
	t.Cleanup(func() { closeOnce(release) })
	e.addUpstream("llm", up.URL, nil)
	br := bufio.NewReader(e.do("POST", "/llm/stream", "{}").Body)
	if got := readEvent(t, br); got != "data: 1\n\n" {
		t.Fatalf("first event %q", got)
	}
	return e, release, br
}

// TestShutdownLetsStreamsFinish checks Shutdown waits for an open stream to
// end on its own and then returns nil, and Serve returns.
func TestShutdownLetsStreamsFinish(t *testing.T) {
	e, release, br := streamingEnv(t)
	done := make(chan error, 1)
	go func() { done <- e.gw.Shutdown(context.Background()) }()
	close(release)
	if got := readEvent(t, br); got != "data: 2\n\n" {
		t.Fatalf("second event %q", got)
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("stream end: %q %v", rest, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown = %v, want nil", err)
	}
	if err := <-e.served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	e.served <- nil // for the cleanup's stop
}

// TestShutdownCutsAtDeadline checks that when ctx ends first, Shutdown cuts
// the open stream (the client sees a broken body) and returns ctx's error.
func TestShutdownCutsAtDeadline(t *testing.T) {
	e, _, br := streamingEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.gw.Shutdown(ctx); err != context.Canceled {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	if _, err := io.ReadAll(br); err == nil {
		t.Fatal("cut stream ended cleanly")
	}
	if err := <-e.served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	e.served <- nil
}
