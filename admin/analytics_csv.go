package admin

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"time"
)

// usageCSVHeader is the header row of an analytics CSV export: the fields of
// usageRow, tokens flattened, in this order.
var usageCSVHeader = []string{"bucket", "group", "label", "requests", "tool_calls", "errors",
	"input_tokens", "output_tokens", "cached_read_tokens", "cached_write_tokens", "reasoning_tokens",
	"cost", "cost_credits", "last_active"}

// writeUsageCSV writes rows as RFC 4180 CSV (encoding/csv quotes fields that
// need it) with a header row, every cell neutralized against formula
// injection. Times are RFC 3339 in UTC; an absent bucket or
// last_active is an empty field. The totals are not a row: they are the sum
// of the rows.
func writeUsageCSV(w io.Writer, rows []usageRow) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line ends
	if err := cw.Write(usageCSVHeader); err != nil {
		return err
	}
	rec := make([]string, len(usageCSVHeader))
	for i := range rows {
		r := &rows[i]
		rec = append(rec[:0], optTimeText(r.Bucket), r.Group, r.Label,
			itoa(r.Requests), itoa(r.ToolCalls), itoa(r.Errors),
			itoa(r.Tokens.Input), itoa(r.Tokens.Output), itoa(r.Tokens.CachedRead),
			itoa(r.Tokens.CachedWrite), itoa(r.Tokens.Reasoning),
			itoa(r.Cost), r.CostCredits, optTimeText(r.LastActive))
		if err := cw.Write(neutralize(rec)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func optTimeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvHeaders sets the headers of a CSV download named name.
func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
