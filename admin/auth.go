package admin

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// errUnauthorized is the one answer to every failed authentication: it never
// says whether a token exists, is revoked or belongs to a removed member.
func errUnauthorized() *apiError {
	return newError(http.StatusUnauthorized, CodeUnauthorized,
		"a valid token is required: Authorization: Bearer tgo_… (operator) or mwt_… (member)")
}

// authenticate finds the caller. The operator token is compared by hash in
// constant time; a member token is looked up in the store on every call (no
// cache), so a revoked token or a removed member is refused at once.
func (a *api) authenticate(r *http.Request) (*caller, error) {
	cred, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return nil, errUnauthorized()
	}
	p, err := token.Parse([]byte(cred))
	if err != nil {
		return nil, errUnauthorized()
	}
	h := token.HashOf([]byte(cred))
	switch p.Kind {
	case token.Operator:
		if a.op != (token.Hash{}) && subtle.ConstantTimeCompare(h[:], a.op[:]) == 1 {
			return &caller{operator: true}, nil
		}
	case token.Member:
		return a.memberCaller(r, string(p.Workspace), h)
	}
	return nil, errUnauthorized()
}

func (a *api) memberCaller(r *http.Request, ws string, h token.Hash) (*caller, error) {
	t, err := a.store.GetTokenByHash(r.Context(), ws, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized()
	}
	if err != nil {
		return nil, err
	}
	if t.Kind != token.Member || t.Status != store.TokenActive ||
		(!t.ExpiresAt.IsZero() && !a.now().Before(t.ExpiresAt)) {
		return nil, errUnauthorized()
	}
	m, err := a.store.GetMember(r.Context(), ws, t.MemberID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized()
	}
	if err != nil {
		return nil, err
	}
	if m.Status != store.MemberActive {
		return nil, errUnauthorized()
	}
	return &caller{member: m, token: t}, nil
}

// bearer returns the credential of an "Authorization: Bearer …" header.
func bearer(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(cred), true
}

// authorize confines a member caller to its token's workspace (any other
// {ws} is not found, never forbidden) and then checks rt's permission.
func authorize(r *http.Request, c *caller, rt route) error {
	if ws := r.PathValue("ws"); ws != "" && c.member != nil && ws != c.member.WorkspaceID {
		return errNotFound("workspace %q not found", ws)
	}
	if !allowed(c, rt.perm) {
		return errForbidden(rt.perm)
	}
	return nil
}
