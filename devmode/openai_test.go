package devmode

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

const testCredential = "demo-secret-credential"

var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return fixedTime }

// newOpenAIServer starts NewOpenAI on a loopback httptest server.
func newOpenAIServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewOpenAI(testCredential, WithClock(fixedClock)))
	t.Cleanup(srv.Close)
	return srv
}

// sdkClient is the official OpenAI Go SDK pointed at srv with key.
func sdkClient(srv *httptest.Server, key string) openai.Client {
	return openai.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey(key), option.WithMaxRetries(0))
}

func demoParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: "demo-chat",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("be brief"),
			openai.UserMessage("hello there gateway"),
		},
	}
}

// TestOpenAISDKChatCompletion checks that the official SDK gets a parseable
// completion with the echoed content and non-zero usage.
func TestOpenAISDKChatCompletion(t *testing.T) {
	client := sdkClient(newOpenAIServer(t), testCredential)
	resp, err := client.Chat.Completions.New(context.Background(), demoParams())
	if err != nil {
		t.Fatalf("chat completion: %v", err)
	}
	if got, want := resp.Choices[0].Message.Content, "You said: hello there gateway"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if resp.Choices[0].FinishReason != "stop" || resp.Model != "demo-chat" || resp.Created != fixedTime.Unix() {
		t.Errorf("finish=%q model=%q created=%d", resp.Choices[0].FinishReason, resp.Model, resp.Created)
	}
	u := resp.Usage
	if u.PromptTokens != 5 || u.CompletionTokens != 5 || u.TotalTokens != 10 {
		t.Errorf("usage = %+v, want 5 prompt, 5 completion, 10 total", u)
	}
}

// TestOpenAISDKStreamWithUsage checks that a streamed completion, accumulated
// by the SDK, yields the same content and the usage of the final chunk.
func TestOpenAISDKStreamWithUsage(t *testing.T) {
	client := sdkClient(newOpenAIServer(t), testCredential)
	params := demoParams()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := client.Chat.Completions.NewStreaming(context.Background(), params)
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	chunks, usageChunks := 0, 0
	for stream.Next() {
		c := stream.Current()
		acc.AddChunk(c)
		chunks++
		if c.Usage.TotalTokens > 0 {
			usageChunks++
			if len(c.Choices) != 0 {
				t.Errorf("usage chunk has %d choices, want 0", len(c.Choices))
			}
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if got, want := acc.Choices[0].Message.Content, "You said: hello there gateway"; got != want {
		t.Errorf("accumulated content = %q, want %q", got, want)
	}
	if acc.Usage.PromptTokens != 5 || acc.Usage.CompletionTokens != 5 || acc.Usage.TotalTokens != 10 {
		t.Errorf("usage = %+v", acc.Usage)
	}
	// role, 5 words, finish, usage.
	if chunks != 8 || usageChunks != 1 {
		t.Errorf("chunks = %d (usage %d), want 8 (1)", chunks, usageChunks)
	}
}

// TestOpenAIWrongCredentialIs401 checks that a client token is refused, so a
// gateway that forgets to inject the upstream credential is caught.
func TestOpenAIWrongCredentialIs401(t *testing.T) {
	client := sdkClient(newOpenAIServer(t), "mwt_client_token")
	_, err := client.Chat.Completions.New(context.Background(), demoParams())
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want 401 *openai.Error", err)
	}
	if apiErr.Code != "invalid_api_key" {
		t.Errorf("code = %q, want invalid_api_key", apiErr.Code)
	}
}

// TestOpenAISDKListModels checks that GET /v1/models lists the demo models.
func TestOpenAISDKListModels(t *testing.T) {
	client := sdkClient(newOpenAIServer(t), testCredential)
	page, err := client.Models.List(context.Background())
	if err != nil {
		t.Fatalf("list models: %v", err)
	}
	if len(page.Data) != len(Models) || page.Data[0].ID != Models[0] {
		t.Errorf("models = %+v, want %v", page.Data, Models)
	}
}

// TestOpenAIConcurrentCompletions checks that parallel clients all get
// answers with distinct IDs (run with -race).
func TestOpenAIConcurrentCompletions(t *testing.T) {
	client := sdkClient(newOpenAIServer(t), testCredential)
	const n = 32
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := client.Chat.Completions.New(context.Background(), demoParams())
			if err != nil {
				t.Errorf("chat completion: %v", err)
				return
			}
			ids <- resp.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("duplicate completion id %q", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("got %d distinct ids, want %d", len(seen), n)
	}
}

// TestNewOpenAIPanicsOnEmptyCredential checks that an upstream accepting any
// credential cannot be built by mistake.
func TestNewOpenAIPanicsOnEmptyCredential(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewOpenAI(\"\") did not panic")
		}
	}()
	NewOpenAI(" ")
}
