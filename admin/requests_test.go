package admin

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"testing"
	"time"
)

// TestRequestAuditPagesFiltersAndExports: the audit trail of proxied
// requests lists each request newest first with who, route, model or tool,
// status and cost; filters by member and key; pages; and exports every
// record as CSV that parses and matches the JSON, on both stores.
func TestRequestAuditPagesFiltersAndExports(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			f := e.usageFixture()
			base := "/v1/workspaces/" + f.ws + "/requests"
			var all []requestView
			cursor := ""
			for pages := 0; pages < 10; pages++ {
				var p page[requestView]
				e.as(f.reader, http.StatusOK, "GET", base+"?limit=2"+cursor, nil, &p)
				all = append(all, p.Items...)
				if p.NextCursor == "" {
					break
				}
				cursor = "&cursor=" + p.NextCursor
			}
			if len(all) != 5 || all[0].Kind != "key" || all[0].TokenID != f.keyID || all[0].CostCredits != "1" || all[4].Model != "gpt-4o" {
				t.Fatalf("trail %+v", all)
			}
			for i := 1; i < len(all); i++ {
				if all[i].At.After(all[i-1].At) {
					t.Fatalf("not newest first at %d: %v after %v", i, all[i].At, all[i-1].At)
				}
			}
			var mine page[requestView]
			e.must(http.StatusOK, "GET", base+"?member="+f.memberID, nil, &mine)
			if len(mine.Items) != 3 || mine.Items[0].Status != 200 && mine.Items[0].Status != 500 {
				t.Fatalf("member filter %+v", mine.Items)
			}
			var key page[requestView]
			e.must(http.StatusOK, "GET", base+"?key="+f.keyID+"&since="+testNow.Add(time.Hour).Format(time.RFC3339), nil, &key)
			if len(key.Items) != 1 || key.Items[0].Route != "/openai/v1/chat/completions" {
				t.Fatalf("key filter %+v", key.Items)
			}
			status, raw := e.do("GET", base+"?format=csv", nil)
			recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if status != http.StatusOK || err != nil || len(recs) != 6 || recs[0][0] != "at" {
				t.Fatalf("csv %d %v %q", status, err, recs)
			}
			for i, v := range all {
				want := requestRecord(nil, v)
				for j := range want {
					if recs[i+1][j] != want[j] {
						t.Errorf("csv row %d %s = %q, JSON says %q", i, requestCSVHeader[j], recs[i+1][j], want[j])
					}
				}
			}
			e.as(f.member, http.StatusForbidden, "GET", base, nil, nil)
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", base+"?member=nobody!", nil, "member: want an id")
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "GET", base+"?format=xml", nil, "format: want json or csv")
		})
	}
}
