package admin

import (
	"net/http"
	"strconv"
)

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// boolQuery parses an optional true/false query parameter.
func boolQuery(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errInvalid("%s: want true or false, got %q", name, s)
	}
	return b, nil
}
