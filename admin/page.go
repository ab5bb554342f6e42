package admin

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
)

// Page sizes of every list endpoint.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// page is the body of every list response. NextCursor is empty on the last page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageParams are the parsed ?limit and ?cursor: After is the sort key of the
// last item of the previous page.
type pageParams struct {
	Limit int
	After string
}

func parsePage(r *http.Request) (pageParams, error) {
	p := pageParams{Limit: DefaultPageSize}
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, errInvalid("limit: want an integer from 1 to %d, got %q", MaxPageSize, s)
		}
		p.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(b) == 0 {
			return p, errInvalid("cursor: not a cursor returned by this API")
		}
		p.After = string(b)
	}
	return p, nil
}

// paginate returns the page of items (sorted by key) after p.After. Cursors
// are keys, not offsets, so a page stays correct when earlier items are
// created or removed between calls.
func paginate[S, T any](items []S, key func(*S) string, view func(*S) T, p pageParams) page[T] {
	start := sort.Search(len(items), func(i int) bool { return key(&items[i]) > p.After })
	out := page[T]{Items: make([]T, 0, min(p.Limit, len(items)-start))}
	end := min(start+p.Limit, len(items))
	for i := start; i < end; i++ {
		out.Items = append(out.Items, view(&items[i]))
	}
	if end < len(items) && end > start {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(key(&items[end-1])))
	}
	return out
}

// listResponse writes one page of items selected by keep.
func listResponse[S, T any](w http.ResponseWriter, r *http.Request, items []S, keep func(*S) bool,
	key func(*S) string, view func(*S) T) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	if keep != nil {
		kept := items[:0:0]
		for i := range items {
			if keep(&items[i]) {
				kept = append(kept, items[i])
			}
		}
		items = kept
	}
	sort.SliceStable(items, func(i, j int) bool { return key(&items[i]) < key(&items[j]) })
	return writeJSON(w, http.StatusOK, paginate(items, key, view, p))
}
