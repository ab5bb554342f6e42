package admin

import (
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// requestView is one proxied request of the audit trail, attributed to a
// member token or a workspace key. Cost is in micro-credits.
type requestView struct {
	At          time.Time    `json:"at"`
	RequestID   string       `json:"request_id"`
	Kind        string       `json:"kind"` // member or key
	MemberID    string       `json:"member_id,omitempty"`
	TokenID     string       `json:"token_id"`
	Method      string       `json:"method"`
	Route       string       `json:"route"`
	Upstream    string       `json:"upstream"`
	Model       string       `json:"model,omitempty"`
	Tool        string       `json:"tool,omitempty"`
	ToolCall    bool         `json:"tool_call"`
	Status      int          `json:"status"` // 0 when the client left before it
	Error       bool         `json:"error"`
	Tokens      store.Tokens `json:"tokens"`
	Cost        int64        `json:"cost"`
	CostCredits string       `json:"cost_credits"`
	LatencyMS   float64      `json:"latency_ms"`
}

func viewRequest(r *store.RequestRecord) requestView {
	return requestView{At: r.At, RequestID: r.RequestID, Kind: r.Kind, MemberID: r.MemberID, TokenID: r.TokenID,
		Method: r.Method, Route: r.Route, Upstream: r.Upstream, Model: r.Model, Tool: r.Tool, ToolCall: r.ToolCall,
		Status: r.Status, Error: r.Error, Tokens: r.Tokens, Cost: r.Cost, CostCredits: store.FormatCredits(r.Cost),
		LatencyMS: float64(r.Latency.Microseconds()) / 1000}
}

// listRequests answers the audit trail of proxied requests, newest first:
// one page as JSON, or with ?format=csv every matching record as CSV.
func (a *api) listRequests(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	q, err := requestQuery(r, a.now())
	if err != nil {
		return err
	}
	isCSV, err := parseFormat(r.URL.Query())
	if err != nil {
		return err
	}
	if isCSV {
		return a.exportRequests(w, r, m, ws, q)
	}
	recs, next, err := m.Requests(r.Context(), ws, q)
	if err != nil {
		return err
	}
	out := page[requestView]{Items: make([]requestView, 0, len(recs))}
	for i := range recs {
		out.Items = append(out.Items, viewRequest(&recs[i]))
	}
	if next != "" {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	return writeJSON(w, http.StatusOK, out)
}

// requestQuery parses ?since, ?until, ?member, ?key, ?limit and ?cursor.
func requestQuery(r *http.Request, now time.Time) (store.RequestQuery, error) {
	p, err := parsePage(r)
	if err != nil {
		return store.RequestQuery{}, err
	}
	q := store.RequestQuery{Limit: p.Limit, Cursor: p.After, MemberID: r.URL.Query().Get("member"),
		TokenID: r.URL.Query().Get("key")}
	for _, f := range []struct{ name, v string }{{"member", q.MemberID}, {"key", q.TokenID}} {
		if f.v != "" && !token.ValidID(f.v) {
			return q, errInvalid("%s: want an id of 12 letters and digits, got %q", f.name, clip(f.v))
		}
	}
	q.Since, q.Until, err = timeRange(r, now)
	return q, err
}

// requestCSVHeader is the header row of a request export.
var requestCSVHeader = []string{"at", "request_id", "kind", "member_id", "token_id", "method", "route", "upstream",
	"model", "tool", "tool_call", "status", "error", "input_tokens", "output_tokens", "cached_read_tokens",
	"cached_write_tokens", "reasoning_tokens", "cost", "cost_credits", "latency_ms"}

// exportRequests streams every record matching q as RFC 4180 CSV, page by
// page (?limit and ?cursor only set where it starts), every cell neutralized
// against formula injection.
func (a *api) exportRequests(w http.ResponseWriter, r *http.Request, m store.Money, ws string, q store.RequestQuery) error {
	q.Limit = MaxPageSize
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, 0, len(requestCSVHeader))
	for started := false; ; started = true {
		recs, next, err := m.Requests(r.Context(), ws, q)
		if err != nil {
			if started {
				a.log.Error("admin: request export cut short", "workspace", ws, "err", err)
				return nil // the status is sent; the client sees a short body
			}
			return err
		}
		if !started {
			csvHeaders(w, "requests-"+ws+".csv")
			w.WriteHeader(http.StatusOK)
			cw.Write(requestCSVHeader)
		}
		for i := range recs {
			cw.Write(neutralize(requestRecord(rec[:0], viewRequest(&recs[i]))))
		}
		if cw.Flush(); cw.Error() != nil || next == "" {
			return nil // done, or the client went away
		}
		q.Cursor = next
	}
}

func requestRecord(dst []string, v requestView) []string {
	return append(dst, v.At.UTC().Format(time.RFC3339Nano), v.RequestID, v.Kind, v.MemberID, v.TokenID, v.Method,
		v.Route, v.Upstream, v.Model, v.Tool, strconv.FormatBool(v.ToolCall), strconv.Itoa(v.Status),
		strconv.FormatBool(v.Error), itoa(v.Tokens.Input), itoa(v.Tokens.Output), itoa(v.Tokens.CachedRead),
		itoa(v.Tokens.CachedWrite), itoa(v.Tokens.Reasoning), itoa(v.Cost), v.CostCredits,
		strconv.FormatFloat(v.LatencyMS, 'f', -1, 64))
}
