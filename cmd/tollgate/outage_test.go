package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/redistest"
)

const outageYAML = "redis_url: %s\nstore:\n  timeout: 100ms\n  breaker: {failures: 3, cooldown: 200ms}\n"

// TestHungRedisFailsClosedThenRecovers: a store that stops answering yields
// 503 with a clear error (never a hang, never an allow), the degraded gauge
// says so, and traffic flows again when the store answers.
func TestHungRedisFailsClosedThenRecovers(t *testing.T) {
	rds := redistest.Start(t)
	p := startProc(t, fmt.Sprintf(outageYAML, rds.URL()))
	ten := seedTenant(t, p, echoUpstream(t).URL)
	if s := call(t, p.data, ten.token); s != 200 {
		t.Fatalf("healthy: %d", s)
	}
	rds.Pause()
	for i := 0; i < 5; i++ { // through the timeout, then through the open breaker
		if s := call(t, p.data, ten.token); s != http.StatusServiceUnavailable {
			t.Fatalf("request %d with Redis hung: %d, want 503", i, s)
		}
	}
	if g := metric(t, p, `tollgate_degraded{check="auth"}`); g != "1" {
		t.Fatalf("degraded gauge = %q, want 1", g)
	}
	rds.Resume()
	waitFor(t, "admission after Redis resumed", func() bool { return call(t, p.data, ten.token) == 200 })
	if g := metric(t, p, `tollgate_degraded{check="auth"}`); g != "0" {
		t.Fatalf("degraded gauge after recovery = %q, want 0", g)
	}
}

// TestStoppedRedisFailsClosedThenRecovers: Redis killed mid-test answers 503
// at once (connection refused); after a restart (an empty Redis) the admin
// API and the data plane work again.
func TestStoppedRedisFailsClosedThenRecovers(t *testing.T) {
	rds := redistest.Start(t)
	p := startProc(t, fmt.Sprintf(outageYAML, rds.URL()))
	up := echoUpstream(t).URL
	ten := seedTenant(t, p, up)
	rds.Stop()
	for i := 0; i < 5; i++ {
		if s := call(t, p.data, ten.token); s != http.StatusServiceUnavailable {
			t.Fatalf("request %d with Redis stopped: %d, want 503", i, s)
		}
	}
	rds.Restart()
	var again tenant
	waitFor(t, "readyz after restart", func() bool {
		resp, err := http.Get(p.admin + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	again = seedTenant(t, p, up)
	waitFor(t, "admission after Redis restarted", func() bool { return call(t, p.data, again.token) == 200 })
}

// TestAdmissionIsOneRedisCommand: each admitted request costs exactly one
// Redis command on its path (EVALSHA, admission) and one more off it (its
// settlement, also an EVALSHA), seen by MONITOR and by INFO commandstats.
func TestAdmissionIsOneRedisCommand(t *testing.T) {
	rds := redistest.Start(t)
	p := startProc(t, fmt.Sprintf("redis_url: %s\n", rds.URL()))
	ten := seedTenant(t, p, echoUpstream(t).URL)
	if s := call(t, p.data, ten.token); s != 200 { // warms the upstream route cache and loads the scripts
		t.Fatalf("warm-up: %d", s)
	}
	waitFor(t, "the warm-up's settlement", func() bool { // off the request path
		resp, err := http.Get(p.admin + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "\ntollgate_settlement_lag_seconds_count 1\n")
	})
	mon := monitor(t, rds.Addr)
	before := commandStats(t, rds.Addr)
	const n = 50
	for i := 0; i < n; i++ {
		if s := call(t, p.data, ten.token); s != 200 {
			t.Fatalf("request %d: %d", i, s)
		}
	}
	var after map[string]int
	waitFor(t, "the settlements", func() bool { // settled off the request path
		after = commandStats(t, rds.Addr)
		return after["evalsha"]-before["evalsha"] >= 2*n
	})
	if d := after["evalsha"] - before["evalsha"]; d != 2*n {
		t.Fatalf("cmdstat_evalsha grew by %d over %d requests, want %d (admission and settlement)", d, n, 2*n)
	}
	// Commands sent by clients other than the test, less a new pooled
	// connection's handshake and the periodic PING that keeps the
	// revocation subscription alive (not per request).
	var top []string
	for _, c := range mon.topLevel(t) {
		if c != "hello" && c != "client" && c != "ping" {
			top = append(top, c)
		}
	}
	if len(top) != 2*n {
		t.Fatalf("gateway sent %d Redis commands for %d requests, want %d: %v", len(top), n, 2*n, top)
	}
	for _, c := range top {
		if c != "evalsha" {
			t.Fatalf("gateway sent %q on the request path; only evalsha is expected", c)
		}
	}
}

// commandStats reads INFO commandstats into calls per command.
func commandStats(t *testing.T, addr string) map[string]int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "INFO commandstats\r\n")
	r := bufio.NewReader(c)
	var size int
	line, _ := r.ReadString('\n')
	fmt.Sscanf(line, "$%d", &size)
	body := make([]byte, size+2)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range strings.Split(string(body), "\r\n") {
		var name string
		var calls int
		if i := strings.Index(l, ":calls="); strings.HasPrefix(l, "cmdstat_") && i > 0 {
			name = l[len("cmdstat_"):i]
			fmt.Sscanf(l[i+len(":calls="):], "%d", &calls)
			out[name] = calls
		}
	}
	return out
}

type monitorConn struct {
	c net.Conn
	r *bufio.Reader
}

func monitor(t *testing.T, addr string) *monitorConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprint(c, "MONITOR\r\n")
	m := &monitorConn{c: c, r: bufio.NewReader(c)}
	if l, _ := m.r.ReadString('\n'); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("MONITOR: %q", l)
	}
	return m
}

// topLevel sends a marker through a second connection and returns the names
// of the client commands (not those run inside scripts) seen before it,
// leaving out the test's own INFO calls.
func (m *monitorConn) topLevel(t *testing.T) []string {
	t.Helper()
	mk, err := net.Dial("tcp", m.c.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(mk, "ECHO end-of-test-marker\r\n")
	bufio.NewReader(mk).ReadString('\n')
	mk.Close()
	m.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var cmds []string
	for {
		l, err := m.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading MONITOR: %v (so far %v)", err, cmds)
		}
		if strings.Contains(l, "end-of-test-marker") {
			return cmds
		}
		if strings.Contains(l, " lua] ") { // inside a script
			continue
		}
		f := strings.Fields(l)
		if len(f) < 4 {
			continue
		}
		name := strings.ToLower(strings.Trim(f[3], `"`))
		if name != "info" {
			cmds = append(cmds, name)
		}
	}
}

// metric returns the value of one sample line of /metrics, or "".
func metric(t *testing.T, p *proc, series string) string {
	t.Helper()
	resp, err := http.Get(p.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
