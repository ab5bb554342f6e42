package devmode

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Models are the model IDs the demo OpenAI upstream lists on GET /v1/models.
// Chat completions accept any model name and echo it back.
var Models = []string{"demo-chat", "demo-chat-mini"}

// maxBody bounds a chat completion request body, in bytes.
const maxBody = 1 << 20

// openAI is the demo OpenAI-compatible upstream. It is safe for concurrent use.
type openAI struct {
	credential string
	now        func() time.Time
	seq        atomic.Uint64 // completion IDs
}

// NewOpenAI returns an OpenAI-compatible demo upstream serving
// POST /v1/chat/completions (plain and streamed) and GET /v1/models. Every
// request must carry `Authorization: Bearer <credential>`; others get 401.
// Answers are deterministic: the reply echoes the last user message. It
// panics if credential is empty. The handler is safe for concurrent use.
func NewOpenAI(credential string, opts ...Option) http.Handler {
	mustCredential("NewOpenAI", credential)
	o := buildOptions(opts)
	return &openAI{credential: credential, now: o.now}
}

// ServeHTTP checks the credential, then routes by path and method.
func (s *openAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !bearerMatches(r, s.credential) {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "", "invalid_api_key",
			"Incorrect API key provided to the Tollgate demo upstream.")
		return
	}
	var want string
	var serve http.HandlerFunc
	switch r.URL.Path {
	case "/v1/chat/completions":
		want, serve = http.MethodPost, s.chatCompletions
	case "/v1/models":
		want, serve = http.MethodGet, s.models
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "unknown_url",
			"Unknown request URL: "+r.Method+" "+r.URL.Path+".")
		return
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "", "method_not_allowed",
			r.URL.Path+" accepts only "+want+".")
		return
	}
	serve(w, r)
}

// models answers GET /v1/models with [Models].
func (s *openAI) models(w http.ResponseWriter, _ *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: make([]model, 0, len(Models))}
	for _, id := range Models {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: 1735689600, OwnedBy: "tollgate-demo"})
	}
	writeJSON(w, http.StatusOK, list)
}

// chatCompletions validates the request and answers it, streamed or not.
func (s *openAI) chatCompletions(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", "request_too_large",
				"request body exceeds "+strconv.Itoa(maxBody)+" bytes")
			return
		}
		invalidRequest(w, "", "could not read request body")
		return
	}
	req, err := parseChatRequest(body)
	if err != nil {
		var re *requestError
		errors.As(err, &re)
		invalidRequest(w, re.param, re.msg)
		return
	}
	rep := buildReply(req)
	c := completion{id: "chatcmpl-demo" + strconv.FormatUint(s.seq.Add(1), 10), created: s.now().Unix(), model: req.Model}
	if req.Stream {
		includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		streamReply(w, r, c, rep, includeUsage)
		return
	}
	writeJSON(w, http.StatusOK, c.response(rep))
}

// completion carries the fields every object of one answer shares.
type completion struct {
	id      string
	created int64
	model   string
}

type assistantMessage struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

type choice struct {
	Index        int              `json:"index"`
	Message      assistantMessage `json:"message"`
	Logprobs     *struct{}        `json:"logprobs"`
	FinishReason string           `json:"finish_reason"`
}

type chatResponse struct {
	ID          string   `json:"id"`
	Object      string   `json:"object"`
	Created     int64    `json:"created"`
	Model       string   `json:"model"`
	Choices     []choice `json:"choices"`
	Usage       usage    `json:"usage"`
	ServiceTier string   `json:"service_tier"`
}

// response builds the non-streamed chat.completion object.
func (c completion) response(rep reply) chatResponse {
	return chatResponse{
		ID: c.id, Object: "chat.completion", Created: c.created, Model: c.model,
		Choices: []choice{{
			Message:      assistantMessage{Role: "assistant", Content: rep.content()},
			FinishReason: rep.finishReason,
		}},
		Usage:       newUsage(rep),
		ServiceTier: "default",
	}
}

// usage is the OpenAI usage object, with the detail objects real responses carry.
type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
		AudioTokens  int `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens          int `json:"reasoning_tokens"`
		AudioTokens              int `json:"audio_tokens"`
		AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
		RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
	} `json:"completion_tokens_details"`
}

func newUsage(rep reply) usage {
	return usage{
		PromptTokens:     rep.promptTokens,
		CompletionTokens: rep.completionTokens,
		TotalTokens:      rep.promptTokens + rep.completionTokens,
	}
}
