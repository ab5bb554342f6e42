package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// cliResult is one finished CLI process.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cliRunner runs the tollgate binary as a CLI process with a private config
// directory and a controlled TOLLGATE_* environment.
type cliRunner struct {
	t   *testing.T
	env []string
}

func newCLI(t *testing.T, env ...string) *cliRunner {
	t.Helper()
	base := []string{"XDG_CONFIG_HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TOLLGATE_") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			base = append(base, kv)
		}
	}
	return &cliRunner{t: t, env: append(base, env...)}
}

// with returns a runner with extra environment variables.
func (r *cliRunner) with(env ...string) *cliRunner {
	return &cliRunner{t: r.t, env: append(append([]string{}, r.env...), env...)}
}

// run runs `tollgate args…` with stdin and returns its output and exit code.
func (r *cliRunner) run(stdin string, args ...string) cliResult {
	r.t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = r.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second): // a hang detector, not a timing assertion
		cmd.Process.Kill()
		r.t.Fatalf("tollgate %v hung", args)
	}
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// ok runs a command that must succeed and returns its stdout.
func (r *cliRunner) ok(args ...string) string {
	r.t.Helper()
	res := r.run("", args...)
	if res.code != 0 {
		r.t.Fatalf("tollgate %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// okJSON runs a command with -o json and decodes its stdout.
func (r *cliRunner) okJSON(out any, args ...string) {
	r.t.Helper()
	s := r.ok(append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(s), out); err != nil {
		r.t.Fatalf("tollgate %v -o json: %v\n%s", args, err, s)
	}
}

// fail runs a command that must exit with code and returns its stderr.
func (r *cliRunner) fail(code int, args ...string) string {
	r.t.Helper()
	res := r.run("", args...)
	if res.code != code {
		r.t.Fatalf("tollgate %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.code, code, res.stdout, res.stderr)
	}
	return res.stderr
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: missing %q in:\n%s", what, sub, s)
		}
	}
}

// tableRow returns the first line of a table that contains every sub, and
// the header, so that a test can check a value sits under its column.
func tableRow(t *testing.T, out string, subs ...string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n")[1:] {
		hit := true
		for _, s := range subs {
			hit = hit && strings.Contains(line, s)
		}
		if hit {
			return strings.Fields(line)
		}
	}
	t.Fatalf("no row with %q in:\n%s", subs, out)
	return nil
}

// TestCLIEveryCommandHasHelp checks every CLI command documents itself with
// a Short line, a realistic Example and an argument check, as issue 4 asks.
func TestCLIEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "serve" || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			n++
			if sub.Short == "" || !strings.Contains(sub.Example, "tollgate ") || sub.Args == nil {
				t.Errorf("%s: want Short, an Example running tollgate, and Args", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(rootCmd())
	if n < 40 {
		t.Errorf("found %d CLI commands, want every noun and verb of issue 4", n)
	}
}

// TestCLIUsageErrorsExit2 checks that a command line the CLI cannot accept
// exits 2 and says why, before any API call (no server is running).
func TestCLIUsageErrorsExit2(t *testing.T) {
	cli := newCLI(t, "TOLLGATE_ADDR=http://127.0.0.1:1", "TOLLGATE_TOKEN=tgo_x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"workspace", "rename"}, "accepts 1 arg(s)"},
		{[]string{"member", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"workspace", "list", "-o", "yaml"}, "want table or json"},
		{[]string{"workspace", "delete", "-w", "01J"}, "--confirm"},
		{[]string{"key", "list", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"member", "limit", "01J", "fast"}, "RPM: want a whole number"},
		{[]string{"upstream", "add", "x", "--url", "http://u"}, "--kind"},
		{[]string{"upstream", "edit", "x"}, "nothing to change"},
		{[]string{"upstream", "add", "x", "--url", "http://u", "--kind", "llm", "--credential-env", "TG_UNSET_VAR"}, "TG_UNSET_VAR is not set"},
	} {
		stderr := cli.fail(2, c.args...)
		mustContain(t, strings.Join(c.args, " "), stderr, c.want, "--help")
	}
	out := cli.ok("key", "create", "--help")
	mustContain(t, "key create --help", out, "Examples:", "tollgate key create ci-bot", "--rpm")
}

// TestCLIUnreachableExits1 checks a failed connection is a failure (exit 1)
// with a message naming the address, and that the token never appears.
func TestCLIUnreachableExits1(t *testing.T) {
	cli := newCLI(t, "TOLLGATE_ADDR=127.0.0.1:1", "TOLLGATE_TOKEN=tgo_notprinted")
	stderr := cli.fail(1, "workspace", "list")
	mustContain(t, "unreachable", stderr, "cannot reach the admin API at http://127.0.0.1:1")
	if strings.Contains(stderr, "tgo_notprinted") {
		t.Errorf("the token leaked into stderr: %s", stderr)
	}
}
