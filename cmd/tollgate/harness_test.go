package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// binPath is the tollgate binary built once for every process test.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tollgate-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binPath = filepath.Join(dir, "tollgate")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tollgate: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one `tollgate serve` process started by a test.
type proc struct {
	cmd      *exec.Cmd
	data     string // http://host:port of the data listener
	admin    string // http://host:port of the admin listener
	operator string
	stdout   *lockedBuffer
	stderr   *lockedBuffer
	exited   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingLine = regexp.MustCompile(`msg="tollgate serving" data=(\S+) admin=(\S+)`)

// startProc runs `tollgate serve` with a config of free loopback ports, the
// given extra YAML, and a fresh operator token, and waits until it serves.
func startProc(t *testing.T, extraYAML string, args ...string) *proc {
	t.Helper()
	op, err := token.New(token.Operator, token.OperatorWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("listen: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\ndata_dir: %s\noperator_token: %s\nshutdown_grace: 5s\n%s",
		filepath.Join(dir, "data"), op, extraYAML)
	path := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return startCmd(t, op, append([]string{"serve", "--config", path}, args...), nil)
}

func startCmd(t *testing.T, op string, args, env []string) *proc {
	t.Helper()
	p := &proc{operator: op, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := servingLine.FindStringSubmatch(line); m != nil {
				addrs <- m[1:]
			}
		}
	}()
	go func() { p.cmd.Wait(); pw.Close(); close(p.exited) }()
	t.Cleanup(func() { p.stop(t) })
	select {
	case a := <-addrs:
		p.data, p.admin = "http://"+a[0], "http://"+a[1]
	case <-p.exited:
		t.Fatalf("tollgate exited before serving:\n%s", p.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("tollgate did not serve within 20s:\n%s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and waits for a graceful exit.
func (p *proc) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("tollgate did not exit within 15s of SIGTERM")
	}
}

// adminDo calls the admin API with the operator token and decodes the reply into out.
func (p *proc) adminDo(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.admin+path, rd)
	req.Header.Set("Authorization", "Bearer "+p.operator)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// tenant is a workspace with one member and one upstream named "echo".
type tenant struct {
	ws, memberID, tokenID, token string
}

func seedTenant(t *testing.T, p *proc, upstreamURL string) tenant {
	t.Helper()
	var created struct{ Workspace struct{ ID string } }
	p.adminDo(t, "POST", "/v1/workspaces", map[string]any{"name": "acme", "owner_email": "owner@example.com"}, &created)
	ws := created.Workspace
	p.adminDo(t, "POST", "/v1/workspaces/"+ws.ID+"/upstreams", map[string]any{
		"name": "echo", "base_url": upstreamURL, "kind": "llm", "credential": upstreamSecret}, nil)
	var m struct {
		Member  struct{ ID string }
		Token   string
		TokenID string `json:"token_id"`
	}
	p.adminDo(t, "POST", "/v1/workspaces/"+ws.ID+"/members", map[string]any{"email": "ada@example.com", "role": "member"}, &m)
	return tenant{ws: ws.ID, memberID: m.Member.ID, tokenID: m.TokenID, token: m.Token}
}

const upstreamSecret = "sk-upstream-secret-never-to-client"

// echoUpstream is a real loopback upstream that refuses requests carrying
// anything but the upstream credential.
func echoUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+upstreamSecret {
			http.Error(w, "bad upstream credential", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// call sends one data-plane request and returns its status.
func call(t *testing.T, base, tok string) int {
	t.Helper()
	status, _ := callFull(t, base, tok)
	return status
}

func callFull(t *testing.T, base, tok string) (int, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a hang detector, not a timing assertion
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/echo/v1/chat/completions", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("request: %v", err)
		return 0, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}
