package main

import (
	"context"
	"slices"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// claudeUsage has every token type the Anthropic format reports.
var claudeUsage = llmUsage{Input: 90, Output: 33, CachedRead: 400, CachedWrite: 150}

// anthropicClient sends the member token as x-api-key, as the SDK does
// against Anthropic; the gateway must accept it there (SPEC §4).
func (e *clientsEnv) anthropicClient() anthropic.Client {
	return anthropic.NewClient(option.WithBaseURL(e.p.data+"/ant/"), option.WithAPIKey(e.ten.token), option.WithMaxRetries(0))
}

func anthropicParams() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{Model: anthropic.Model("claude-test-1"), MaxTokens: 40,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hello through the gateway"))}}
}

// TestAnthropicSDKPlainThroughXAPIKey: the Anthropic Go SDK, authenticating
// with x-api-key, gets the provider's message byte for byte (the provider
// saw the upstream key, never the member token), and the workspace pays the
// table's price of its usage, cache reads and writes included.
func TestAnthropicSDKPlainThroughXAPIKey(t *testing.T) {
	e := newClientsEnv(t)
	client := e.anthropicClient()
	msg, err := client.Messages.New(context.Background(), anthropicParams(), option.WithHeader(usageHeader, claudeUsage.header()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := msg.RawJSON(), string(anthropicJSON("claude-test-1", claudeUsage)); got != want {
		t.Fatalf("message differs from the provider's:\n got %s\nwant %s", got, want)
	}
	if u := msg.Usage; u.InputTokens != 90 || u.OutputTokens != 33 || u.CacheReadInputTokens != 400 || u.CacheCreationInputTokens != 150 {
		t.Fatalf("SDK usage = %+v", u)
	}
	e.charged(t, "claude-test-1", claudeUsage, 0)
}

// TestAnthropicSDKStreamYieldsEveryEvent: the SDK's stream yields every
// typed event the provider sent, in order and unchanged (its decoder skips
// events without an event: line, so a proxy that dropped them would yield
// nothing), accumulates the final usage, and the workspace is charged input
// and cache from message_start and output from message_delta, once each
// (Bifrost #5354 counted the cache twice).
func TestAnthropicSDKStreamYieldsEveryEvent(t *testing.T) {
	e := newClientsEnv(t)
	client := e.anthropicClient()
	stream := client.Messages.NewStreaming(context.Background(), anthropicParams(), option.WithHeader(usageHeader, claudeUsage.header()))
	var types, data []string
	var msg anthropic.Message
	for stream.Next() {
		ev := stream.Current()
		types, data = append(types, ev.Type), append(data, ev.RawJSON())
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("accumulate %s: %v", ev.Type, err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	wantTypes, wantData := sseData(anthropicSSE("claude-test-1", claudeUsage, e.prov.events), true)
	if !slices.Equal(types, wantTypes) || !slices.Equal(data, wantData) {
		t.Fatalf("SDK events differ from the provider's:\n got %q\n     %q\nwant %q\n     %q", types, data, wantTypes, wantData)
	}
	if u := msg.Usage; u.InputTokens != 90 || u.OutputTokens != 33 || u.CacheReadInputTokens != 400 || u.CacheCreationInputTokens != 150 {
		t.Fatalf("accumulated usage = %+v", u)
	}
	e.charged(t, "claude-test-1", claudeUsage, 0)
}
