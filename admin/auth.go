package admin

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/token"
)

// authenticate admits only requests bearing the operator token. The token is
// checked for syntax first (no hashing of garbage), then its hash is compared
// with the configured one in constant time.
func (a *api) authenticate(next http.Handler) http.Handler {
	deny := a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate-admin"`)
		return newError(http.StatusUnauthorized, CodeUnauthorized,
			"an operator token is required: Authorization: Bearer tgo_…")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.operator(r.Header.Get("Authorization")) {
			deny.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *api) operator(header string) bool {
	if a.op == (token.Hash{}) {
		return false
	}
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	cred = strings.TrimSpace(cred)
	p, err := token.Parse([]byte(cred))
	if err != nil || p.Kind != token.Operator {
		return false
	}
	h := token.HashOf([]byte(cred))
	return subtle.ConstantTimeCompare(h[:], a.op[:]) == 1
}
