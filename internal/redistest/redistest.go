// Package redistest starts a real redis-server on a free loopback port for
// tests. When the binary is missing the test is skipped with a loud message,
// unless TOLLGATE_REQUIRE_REDIS is set (as .ci/run does), in which case it fails.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server process owned by one test.
type Server struct {
	Addr string // host:port on 127.0.0.1
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
}

// Start launches redis-server on a free port and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server not found: SKIPPING a Redis-backed test. Install it (apt-get install redis-server) to run this test."
		if os.Getenv("TOLLGATE_REQUIRE_REDIS") != "" {
			t.Fatal(msg + " TOLLGATE_REQUIRE_REDIS is set, so this is a failure.")
		}
		t.Skip("\n\n*** " + msg + " ***\n\n")
	}
	s := &Server{t: t, dir: t.TempDir(), Addr: freeAddr(t)}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// URL returns a redis:// URL for the server.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Stop kills the server; Restart brings it back on the same port.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot die until continued
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is
// answered, the way a hung store behaves. Resume undoes it.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT) with its data intact.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

// PID returns the server's process id, for CPU accounting in benchmarks.
func (s *Server) PID() int { return s.cmd.Process.Pid }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal redis-server: %v", err)
	}
}

// Restart starts the server again on the same address after Stop.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--protected-mode", "no")
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-ready:
	case <-ctx.Done():
		s.t.Fatal("redis-server did not become ready in 10s")
	}
	// Ready is printed before the listener is guaranteed to accept on every
	// platform; poll a connection with a deadline.
	for {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if ctx.Err() != nil {
			s.t.Fatalf("redis-server on %s not reachable: %v", s.Addr, err)
		}
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr())
}
