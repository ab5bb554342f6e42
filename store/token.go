package store

import (
	"time"

	"github.com/tollgate-dev/tollgate/token"
)

// NewToken mints a token of kind k for member (the member itself for member
// tokens, the creator for keys) in workspace ws, and returns the secret, to
// be shown once, with the record to store, which holds only its hash.
func NewToken(k token.Kind, ws, member, name string, now time.Time) (string, *Token, error) {
	secret, err := token.New(k, ws)
	if err != nil {
		return "", nil, err
	}
	return secret, &Token{
		ID:          token.NewID(),
		WorkspaceID: ws,
		Kind:        k,
		Hash:        token.HashOf([]byte(secret)),
		Display:     token.Display(secret),
		MemberID:    member,
		Name:        name,
		Status:      TokenActive,
		CreatedAt:   now,
	}, nil
}
