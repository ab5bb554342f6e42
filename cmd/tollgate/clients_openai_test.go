package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func (e *clientsEnv) openAI() openai.Client {
	return openai.NewClient(option.WithBaseURL(e.p.data+"/oai/v1/"), option.WithAPIKey(e.ten.token), option.WithMaxRetries(0))
}

func openAIParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: "gpt-test",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello through the gateway")}}
}

// gptUsage has every token type the OpenAI format reports, so the cost
// checks cached and reasoning prices too.
var gptUsage = llmUsage{Input: 120, Output: 45, CachedRead: 64, Reasoning: 17}

// TestOpenAISDKPlainGetsUpstreamBodyAndIsCharged: the OpenAI Go SDK's
// completion through the gateway is byte for byte the provider's, and the
// workspace pays the table's price of its usage (issue 5, "Real clients").
func TestOpenAISDKPlainGetsUpstreamBodyAndIsCharged(t *testing.T) {
	e := newClientsEnv(t)
	client := e.openAI()
	comp, err := client.Chat.Completions.New(context.Background(), openAIParams(), option.WithHeader(usageHeader, gptUsage.header()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := comp.RawJSON(), string(openAIJSON("gpt-test", gptUsage)); got != want {
		t.Fatalf("completion differs from the provider's:\n got %s\nwant %s", got, want)
	}
	if comp.Usage.PromptTokens != 184 || comp.Usage.CompletionTokens != 62 {
		t.Fatalf("SDK usage = %+v", comp.Usage)
	}
	e.charged(t, "gpt-test", gptUsage, 0)
}

// TestOpenAISDKStreamWithoutIncludeUsageSeesNoUsage: a stream the client
// did not ask usage for reaches the provider with include_usage injected,
// yet the SDK sees exactly the chunks the provider sends without it — no
// "usage":null, no usage chunk, no usage in the accumulated result — and
// the usage is still charged (LiteLLM #5632: streams without usage).
func TestOpenAISDKStreamWithoutIncludeUsageSeesNoUsage(t *testing.T) {
	e := newClientsEnv(t)
	client := e.openAI()
	chunks, acc := openAIStream(t, client, openAIParams())
	if got := e.prov.received(); len(got) != 1 || !includeUsage(got[0]) {
		t.Fatalf("the provider got %v, want one request with stream_options.include_usage injected", got)
	}
	_, want := sseData(openAISSE("gpt-test", gptUsage, e.prov.events, false), false)
	if !slices.Equal(chunks, want) {
		t.Fatalf("SDK chunks differ from the provider's stream without usage:\n got %q\nwant %q", chunks, want)
	}
	if acc.Usage.TotalTokens != 0 || acc.Usage.PromptTokens != 0 || strings.Contains(strings.Join(chunks, ""), `"usage"`) {
		t.Fatalf("the client sees usage it did not ask for: %+v", acc.Usage)
	}
	if acc.Choices[0].Message.Content != "word0 word1 word2 word3 word4 " {
		t.Fatalf("accumulated content %q", acc.Choices[0].Message.Content)
	}
	e.charged(t, "gpt-test", gptUsage, 0)
}

// TestOpenAISDKStreamWithIncludeUsageSeesItAll: when the client asks for
// usage, nothing is stripped: the SDK gets every chunk as sent, including
// "usage":null and the usage chunk, and accumulates the provider's usage.
func TestOpenAISDKStreamWithIncludeUsageSeesItAll(t *testing.T) {
	e := newClientsEnv(t)
	client := e.openAI()
	params := openAIParams()
	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	chunks, acc := openAIStream(t, client, params)
	_, want := sseData(openAISSE("gpt-test", gptUsage, e.prov.events, true), false)
	if !slices.Equal(chunks, want) {
		t.Fatalf("SDK chunks differ from the provider's stream:\n got %q\nwant %q", chunks, want)
	}
	u := acc.Usage
	if u.PromptTokens != 184 || u.CompletionTokens != 62 || u.PromptTokensDetails.CachedTokens != 64 ||
		u.CompletionTokensDetails.ReasoningTokens != 17 {
		t.Fatalf("accumulated usage = %+v, want the provider's", u)
	}
	e.charged(t, "gpt-test", gptUsage, 0)
}

// openAIStream streams a completion with gptUsage and returns each chunk's
// raw JSON and the accumulated result.
func openAIStream(t *testing.T, client openai.Client, params openai.ChatCompletionNewParams) ([]string, openai.ChatCompletionAccumulator) {
	t.Helper()
	stream := client.Chat.Completions.NewStreaming(context.Background(), params, option.WithHeader(usageHeader, gptUsage.header()))
	var acc openai.ChatCompletionAccumulator
	var chunks []string
	for stream.Next() {
		c := stream.Current()
		chunks = append(chunks, c.RawJSON())
		if !acc.AddChunk(c) {
			t.Fatalf("the accumulator refused chunk %d: %s", len(chunks), c.RawJSON())
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return chunks, acc
}
