package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// startDev runs `tollgate serve --dev` on free ports in a fresh data directory.
func startDev(t *testing.T, dataDir string) *proc {
	t.Helper()
	p := startCmd(t, "", []string{"serve", "--dev"}, []string{
		"TOLLGATE_LISTEN=127.0.0.1:0", "TOLLGATE_ADMIN_LISTEN=127.0.0.1:0", "TOLLGATE_DATA_DIR=" + dataDir,
		"TOLLGATE_OPERATOR_TOKEN=",
	})
	waitFor(t, "the dev banner", func() bool { return strings.Contains(p.stdout.String(), "curl -s") })
	return p
}

var (
	memberLine = regexp.MustCompile(`Member token\s+(mwt_\S+)`)
	curlLine   = regexp.MustCompile(`(?m)^\s+(curl -s .*)$`)
	baseLine   = regexp.MustCompile(`OpenAI SDKs: base URL (\S+)`)
)

func devBanner(t *testing.T, p *proc) (member, baseURL, curl string) {
	t.Helper()
	out := p.stdout.String()
	for _, m := range []struct {
		re  *regexp.Regexp
		dst *string
	}{{memberLine, &member}, {baseLine, &baseURL}, {curlLine, &curl}} {
		sub := m.re.FindStringSubmatch(out)
		if sub == nil {
			t.Fatalf("dev banner lacks %s:\n%s", m.re, out)
		}
		*m.dst = sub[1]
	}
	return member, baseURL, curl
}

// TestOpenAISDKThroughDevGateway: the real OpenAI Go SDK, pointed at the base
// URL that --dev prints, gets a plain and a streamed chat completion from the
// demo upstream through the gateway.
func TestOpenAISDKThroughDevGateway(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, baseURL, _ := devBanner(t, p)
	client := openai.NewClient(option.WithBaseURL(baseURL), option.WithAPIKey(member), option.WithMaxRetries(0))
	params := openai.ChatCompletionNewParams{
		Model:    "demo-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello through the gateway")},
	}
	resp, err := client.Chat.Completions.New(context.Background(), params)
	if err != nil {
		t.Fatalf("plain completion: %v", err)
	}
	if got := resp.Choices[0].Message.Content; got != "You said: hello through the gateway" || resp.Usage.TotalTokens == 0 {
		t.Fatalf("plain completion: content %q usage %+v", got, resp.Usage)
	}

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := client.Chat.Completions.NewStreaming(context.Background(), params)
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if got := acc.Choices[0].Message.Content; got != "You said: hello through the gateway" || acc.Usage.TotalTokens == 0 {
		t.Fatalf("streamed completion: content %q usage %+v", got, acc.Usage)
	}
}

// TestDevCurlLineWorksAsPrinted runs the printed curl line through a shell,
// then restarts --dev on the same data directory: the workspace is reused and
// the new banner works too.
func TestDevCurlLineWorksAsPrinted(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("\n\n*** curl not installed: SKIPPING the printed-curl-line check ***\n\n")
	}
	dir := t.TempDir()
	for run := 0; run < 2; run++ {
		p := startDev(t, dir)
		_, _, curl := devBanner(t, p)
		out, err := exec.Command("sh", "-c", curl).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"You said: Hello, Tollgate"`) {
			t.Fatalf("run %d: printed curl line gave %v:\n%s", run, err, out)
		}
		// The first run starts from an empty data directory; the second finds
		// what the first stored.
		if run == 1 && (strings.Contains(p.stderr.String(), "workspaces=0") || !strings.Contains(p.stderr.String(), "workspaces=")) {
			t.Fatalf("second run did not reuse the data directory:\n%s", p.stderr.String())
		}
		p.stop(t)
	}
}

// TestDevTourShowsCharges: under --dev the demo price table and credits
// are in place, so a completion through the gateway (here streamed without
// asking for usage: the gateway asks for it) is charged, as the admin
// listener's metrics show.
func TestDevTourShowsCharges(t *testing.T) {
	p := startDev(t, t.TempDir())
	member, baseURL, _ := devBanner(t, p)
	client := openai.NewClient(option.WithBaseURL(baseURL), option.WithAPIKey(member), option.WithMaxRetries(0))
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:    "demo-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("what does this cost")},
	})
	n := 0
	for stream.Next() {
		if stream.Current().Usage.TotalTokens != 0 {
			t.Fatal("the client saw a usage chunk it did not ask for")
		}
		n++
	}
	if err := stream.Err(); err != nil || n == 0 {
		t.Fatalf("stream: %d chunks, %v", n, err)
	}
	admin := regexp.MustCompile(`Admin URL\s+(\S+)`).FindStringSubmatch(p.stdout.String())
	if admin == nil {
		t.Fatalf("no admin URL in the banner:\n%s", p.stdout.String())
	}
	charged := regexp.MustCompile(`(?m)^tollgate_credits_charged_total ([0-9.e+]+)$`)
	waitFor(t, "a charge in the metrics", func() bool {
		resp, err := http.Get(admin[1] + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := charged.FindSubmatch(b)
		return m != nil && string(m[1]) != "0"
	})
}
