package admin

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Analytics ranges.
const (
	defaultUsageSince = 7 * 24 * time.Hour // ?since omitted: the last 7 days
	maxUsageDays      = 400
	maxUsageRange     = maxUsageDays * 24 * time.Hour
)

// Buckets of an analytics report: rows per hour, per day (UTC), or one row
// per group over the whole range.
const (
	bucketNone = "none"
	bucketHour = "hour"
	bucketDay  = "day"
)

// Dimensions an analytics report groups by; "" is no grouping (totals, per
// bucket when there is one).
var usageDimensions = map[string]bool{"": true, "member": true, "key": true, "model": true, "upstream": true, "tool": true, dimMemberTool: true}

// usageQuery is a parsed analytics request.
type usageQuery struct {
	From, To time.Time // [From, To), on bucket boundaries (hours for bucketNone)
	By       string    // one of usageDimensions
	Bucket   string    // bucketNone, bucketHour or bucketDay
	CSV      bool      // ?format=csv
}

// parseUsageQuery reads ?since, ?until, ?by, ?bucket and ?format at now.
// Times are RFC 3339 or an age such as 7d, 36h or 90m before now; the range
// widens to whole hours (whole days with bucket=day) so that the hour rolls
// up wholly in or out. allowBy lists the dimensions the endpoint accepts.
func parseUsageQuery(q url.Values, now time.Time, allowBy map[string]bool) (usageQuery, error) {
	out := usageQuery{By: q.Get("by"), Bucket: q.Get("bucket")}
	if !allowBy[out.By] {
		return out, errInvalid("by: want one of %s, got %q", dimensionList(allowBy), out.By)
	}
	switch out.Bucket {
	case "":
		out.Bucket = bucketNone
	case bucketNone, bucketHour, bucketDay:
	default:
		return out, errInvalid("bucket: want hour, day or none, got %q", out.Bucket)
	}
	var err error
	if out.CSV, err = parseFormat(q); err != nil {
		return out, err
	}
	since, until := now.Add(-defaultUsageSince), now
	if s := q.Get("since"); s != "" {
		if since, err = parseWhen("since", s, now); err != nil {
			return out, err
		}
	}
	if s := q.Get("until"); s != "" {
		if until, err = parseWhen("until", s, now); err != nil {
			return out, err
		}
	}
	if !since.Before(until) {
		return out, errInvalid("since: %s is not before until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	if until.Sub(since) > maxUsageRange { // as asked: widening to whole hours or days may add up to one
		return out, errInvalid("since: the range from %s to %s is longer than %d days; it may span at most %d days",
			since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339), maxUsageDays, maxUsageDays)
	}
	unit := time.Hour
	if out.Bucket == bucketDay {
		unit = 24 * time.Hour
	}
	out.From, out.To = since.UTC().Truncate(unit), ceilTime(until.UTC(), unit)
	return out, nil
}

// parseFormat reads ?format: json (the default) or csv.
func parseFormat(q url.Values) (csv bool, err error) {
	switch f := q.Get("format"); f {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	default:
		return false, errInvalid("format: want json or csv, got %q", f)
	}
}

// parseWhen reads an RFC 3339 time or an age before now: a whole number of
// days (7d) or a Go duration (36h, 90m).
func parseWhen(field, s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, ok := parseAge(s); ok {
		return now.Add(-d), nil
	}
	return time.Time{}, errInvalid("%s: want an RFC 3339 time such as 2030-01-02T15:04:05Z or an age such as 7d or 36h, got %q", field, clip(s))
}

// maxAge bounds an age such as 7d: far beyond any range an endpoint
// accepts (each checks its own, with a message that says so), and far from
// overflowing a time.Duration.
const maxAge = 100 * 365 * 24 * time.Hour

// parseAge reads 7d or a positive Go duration of at most maxAge.
func parseAge(s string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > int(maxAge/(24*time.Hour)) {
			return 0, false
		}
		return time.Duration(days) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > maxAge {
		return 0, false
	}
	return d, true
}

// ceilTime rounds t up to a multiple of unit (since the zero time).
func ceilTime(t time.Time, unit time.Duration) time.Time {
	if f := t.Truncate(unit); !f.Equal(t) {
		return f.Add(unit)
	}
	return t
}

func dimensionList(allow map[string]bool) string {
	var names []string
	for _, d := range []string{"member", "key", "model", "upstream", "tool", dimMemberTool} {
		if allow[d] {
			names = append(names, d)
		}
	}
	return strings.Join(names, ", ") + " (or none)"
}
