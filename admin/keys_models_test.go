package admin

import (
	"context"
	"net/http"
	"testing"
)

// TestKeyModelLimits: a key created with model_limits stores them, shows them
// in the key list, and bad names or values are refused naming the model.
func TestKeyModelLimits(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("m")
	base := "/v1/workspaces/" + ws + "/keys"
	var created keyResponse
	e.must(http.StatusCreated, "POST", base, map[string]any{"name": "bot",
		"model_limits": map[string]any{"gpt-4o": map[string]any{"rpm": 10}, "meta-llama/Llama-3-70b": map[string]any{"rpm": 2}}}, &created)
	if created.Key.ModelLimits["gpt-4o"].RPM != 10 || created.Key.ModelLimits["meta-llama/Llama-3-70b"].RPM != 2 {
		t.Fatalf("created key %+v", created.Key)
	}
	rec, err := e.store.GetToken(context.Background(), ws, created.Key.ID)
	if err != nil || rec.ModelRPM["gpt-4o"] != 10 {
		t.Fatalf("stored %+v %v", rec, err)
	}
	var list page[tokenView]
	e.must(http.StatusOK, "GET", base, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ModelLimits["gpt-4o"].RPM != 10 {
		t.Fatalf("key list %+v", list.Items)
	}
	for _, c := range []struct {
		limits any
		msg    string
	}{
		{map[string]any{"gpt 4o": map[string]any{"rpm": 1}}, `"gpt 4o"`},
		{map[string]any{"a,b": map[string]any{"rpm": 1}}, `"a,b"`},
		{map[string]any{"gpt-4o": map[string]any{"rpm": 0}}, `model_limits["gpt-4o"].rpm`},
		{map[string]any{"gpt-4o": map[string]any{"rpm": -5}}, `model_limits["gpt-4o"].rpm`},
	} {
		e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "POST", base, map[string]any{"name": "x", "model_limits": c.limits}, c.msg)
	}
	if code, body := e.do("POST", base, map[string]any{"name": "x",
		"model_limits": map[string]any{"gpt-4o": map[string]any{"rpm": 1, "rpd": 5}}}); code != http.StatusBadRequest {
		t.Fatalf("unknown field in a model limit: %d %s", code, body)
	}
}
