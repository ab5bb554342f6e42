package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// rpcUpstream is a raw JSON-RPC upstream: it answers each request of a
// POSTed message or batch with {"result":{"echo":<method>}} (tools/list
// with three tools), as JSON or, when sse is set, as one SSE event per
// response; notifications alone get 202.
func rpcUpstream(t testing.TB, sse bool) *recorder {
	var rec *recorder
	rec = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		_, body := rec.request() // the requests of these tests come one at a time
		var msgs []map[string]json.RawMessage
		if strings.HasPrefix(strings.TrimSpace(body), "[") {
			must(t, json.Unmarshal([]byte(body), &msgs))
		} else {
			var m map[string]json.RawMessage
			must(t, json.Unmarshal([]byte(body), &m))
			msgs = append(msgs, m)
		}
		var out []string
		for _, m := range msgs {
			if m["id"] == nil {
				continue
			}
			result := fmt.Sprintf(`{"echo":%s}`, m["method"])
			if string(m["method"]) == `"tools/list"` {
				result = `{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"delete_repo","inputSchema":{"type":"object"}},{"name":"fail","inputSchema":{"type":"object"}}],"nextCursor":"c2"}`
			}
			out = append(out, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, m["id"], result))
		}
		switch {
		case len(out) == 0:
			w.WriteHeader(http.StatusAccepted)
		case sse:
			w.Header().Set("Content-Type", "text/event-stream")
			for _, o := range out {
				_, _ = io.WriteString(w, "event: message\ndata: "+o+"\n\n")
			}
		case len(msgs) > 1 || strings.HasPrefix(strings.TrimSpace(body), "["):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "["+strings.Join(out, ",")+"]")
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, out[0])
		}
	})
	return rec
}

// call is a tools/call request with id and tool.
func call(id int, tool string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, tool)
}

// rpcResponse is one JSON-RPC response as a client decodes it.
type rpcResponse struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Tool, Policy string
		} `json:"data"`
	} `json:"error"`
}

// decodeResponses decodes a JSON answer (one response or an array) or an
// SSE answer (one response per data line), ordered by id.
func decodeResponses(t testing.TB, resp *http.Response) []rpcResponse {
	t.Helper()
	body := readAll(t, resp.Body)
	var out []rpcResponse
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for line := range strings.SplitSeq(body, "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				var r rpcResponse
				must(t, json.Unmarshal([]byte(d), &r))
				out = append(out, r)
			}
		}
	} else if strings.HasPrefix(strings.TrimSpace(body), "[") {
		must(t, json.Unmarshal([]byte(body), &out))
	} else {
		var r rpcResponse
		must(t, json.Unmarshal([]byte(body), &r))
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b rpcResponse) int { return a.ID - b.ID })
	return out
}

// TestDeniedCallIsAJSONRPCErrorNamingThePolicy: a tools/call a policy denies
// never reaches the upstream; the client gets status 200 (an HTTP error
// would end a session) and a JSON-RPC error with code -32003 naming the
// tool and the policy.
func TestDeniedCallIsAJSONRPCErrorNamingThePolicy(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	resp := e.doMCP(t, http.MethodPost, "/up", call(7, "delete_repo"))
	got := decodeResponses(t, resp)
	if resp.StatusCode != 200 || len(got) != 1 || got[0].ID != 7 || got[0].Error == nil || got[0].Error.Code != -32003 ||
		got[0].Error.Data.Tool != "delete_repo" || got[0].Error.Data.Policy != "up (workspace)" ||
		!strings.Contains(got[0].Error.Message, `tool "delete_repo" denied by policy "up (workspace)"`) {
		t.Fatalf("denied call: %d %+v", resp.StatusCode, got)
	}
	if up.n.Load() != 0 {
		t.Fatal("a denied call reached the upstream")
	}
	if resp := e.doMCP(t, http.MethodPost, "/up", call(8, "echo")); resp.StatusCode != 200 || up.n.Load() != 1 {
		t.Fatalf("allowed call: %d, upstream asked %d times", resp.StatusCode, up.n.Load())
	}
}

// TestPoliciesNarrowPerRoleAndKey: the workspace policy applies to all, a
// role's policy narrows it for members of that role, a key's for that key;
// tools/list shows each caller exactly what it may call, and a policy
// written now applies to the very next request (it bumps the revision the
// route cache follows).
func TestPoliciesNarrowPerRoleAndKey(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	key, rec, err := store.NewToken(token.Key, e.ws, e.member.ID, "k", time.Now())
	must(t, err)
	must(t, e.s.CreateToken(e.ctx, rec))
	list := func(tok string) []string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.url+"/up", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		must(t, err)
		defer resp.Body.Close()
		var r struct {
			Result struct {
				Tools      []struct{ Name string }
				NextCursor string
			}
		}
		must(t, json.NewDecoder(resp.Body).Decode(&r))
		if r.Result.NextCursor != "c2" {
			t.Fatalf("nextCursor lost: %+v", r)
		}
		var names []string
		for _, tl := range r.Result.Tools {
			names = append(names, tl.Name)
		}
		return names
	}
	if got := list(e.secret); !slices.Equal(got, []string{"echo", "delete_repo", "fail"}) {
		t.Fatalf("without a policy: %v", got)
	}
	e.policy(t, "", nil, []string{"delete_*"})
	e.policy(t, store.PolicyRolePrefix+"member", nil, []string{"fail"})
	e.policy(t, store.PolicyKeyPrefix+rec.ID, []string{"fail", "echo"}, nil)
	if got := list(e.secret); !slices.Equal(got, []string{"echo"}) {
		t.Fatalf("member: %v, want [echo] (workspace denies delete_*, role member denies fail)", got)
	}
	if got := list(key); !slices.Equal(got, []string{"echo", "fail"}) {
		t.Fatalf("key: %v, want [echo fail] (workspace denies delete_*, the key allows only fail and echo)", got)
	}
	resp := e.doMCP(t, http.MethodPost, "/up", call(3, "fail"))
	if got := decodeResponses(t, resp); got[0].Error == nil || got[0].Error.Data.Policy != "up (role:member)" {
		t.Fatalf("member calling fail: %+v, want a denial by the role's policy", got)
	}
}

// TestBatchDenialsAreSplitAndMerged: in a 2025-03-26 batch the denied
// calls are cut out before it is forwarded and their errors merged into
// the answer, JSON or SSE; a batch that is all denied never reaches the
// upstream.
func TestBatchDenialsAreSplitAndMerged(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			e := newMCPEnv(t, mopt{})
			up := rpcUpstream(t, sse)
			e.addMCP(up.URL)
			e.policy(t, "", nil, []string{"delete_*"})
			note := `{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`
			batch := "[" + call(1, "echo") + ", " + call(2, "delete_repo") + "," + note + "," + call(3, "fail") + "]"
			resp := e.doMCP(t, http.MethodPost, "/up", batch)
			got := decodeResponses(t, resp)
			if resp.StatusCode != 200 || len(got) != 3 || got[0].Error != nil || got[1].Error == nil ||
				got[1].Error.Code != -32003 || got[2].Error != nil {
				t.Fatalf("batch answer: %d %+v", resp.StatusCode, got)
			}
			_, fwd := up.request()
			if want := "[" + call(1, "echo") + "," + note + "," + call(3, "fail") + "]"; fwd != want {
				t.Fatalf("forwarded %s\nwant      %s", fwd, want)
			}
			resp = e.doMCP(t, http.MethodPost, "/up", "["+call(4, "delete_repo")+","+call(5, "delete_x")+"]")
			if got := decodeResponses(t, resp); resp.StatusCode != 200 || len(got) != 2 || got[0].Error == nil || got[1].Error == nil {
				t.Fatalf("all-denied batch: %d %+v", resp.StatusCode, got)
			}
			if up.n.Load() != 1 {
				t.Fatal("an all-denied batch reached the upstream")
			}
		})
	}
}

// TestMCPBadBodiesAreJSONRPCErrors: a body the gateway cannot read, and
// an Mcp-Method or Mcp-Name header that disagrees with the body (a way to
// slip past a policy enforced on headers), are refused with 400 and a
// JSON-RPC error, before the upstream.
func TestMCPBadBodiesAreJSONRPCErrors(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	cases := []struct {
		name, body string
		hdr        []string
		code       int
	}{
		{"not JSON", `{"jsonrpc":"2.0",`, nil, -32700},
		{"duplicate method", `{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}`, nil, -32600},
		{"method header", call(1, "echo"), []string{"Mcp-Method", "tools/list"}, -32020},
		{"name header", call(1, "delete_repo"), []string{"Mcp-Method", "tools/call", "Mcp-Name", "echo"}, -32020},
	}
	for _, tc := range cases {
		resp := e.doMCP(t, http.MethodPost, "/up", tc.body, tc.hdr...)
		got := decodeResponses(t, resp)
		if resp.StatusCode != 400 || got[0].Error == nil || got[0].Error.Code != tc.code {
			t.Errorf("%s: %d %+v, want 400 with code %d", tc.name, resp.StatusCode, got, tc.code)
		}
	}
	if up.n.Load() != 0 {
		t.Fatal("a refused body reached the upstream")
	}
}

// TestDeniedToolInAnyMethodCaseIsDenied: a tools/call whose method is
// written in another case is still a tool call to the policy, answered
// with the denial and never forwarded (review 6 #10).
func TestDeniedToolInAnyMethodCaseIsDenied(t *testing.T) {
	e := newMCPEnv(t, mopt{})
	up := rpcUpstream(t, false)
	e.addMCP(up.URL)
	e.policy(t, "", nil, []string{"delete_*"})
	body := strings.Replace(call(7, "delete_repo"), "tools/call", "Tools/CALL", 1)
	r := e.doMCP(t, "POST", "/up", body, "Content-Type", "application/json")
	if b := readAll(t, r.Body); r.StatusCode != http.StatusOK || !strings.Contains(b, `"error"`) || !strings.Contains(b, "delete_repo") {
		t.Errorf("%d %s", r.StatusCode, b)
	}
	if n := up.n.Load(); n != 0 {
		t.Errorf("the denied call reached the upstream %d times", n)
	}
}
