package store

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/token"
)

// PublicWorkspace is the reserved workspace that holds the operator's public
// upstreams, visible to every workspace. Its id is the operator tokens' own
// (token.OperatorWorkspace); it has no members or tokens, is created on
// demand by the admin API and is hidden from workspace listings.
const PublicWorkspace = token.OperatorWorkspace

// PublicWorkspaceName is the name of the PublicWorkspace record.
const PublicWorkspaceName = "public"

// MaxModelLimits bounds the entries of Token.ModelRPM.
const MaxModelLimits = 64

// maxModelName bounds the length of a model name.
const maxModelName = 128

// ValidModelName reports whether s may name a model in Token.ModelRPM: 1 to
// 128 bytes of ASCII letters, digits and . _ - : / @ +, which covers names
// such as "gpt-4o", "meta-llama/Llama-3-70b" and "ft:gpt-4o:acme:1". The
// set excludes separators the stores use (',' '=' '{' '}') and whitespace.
func ValidModelName(s string) bool {
	if len(s) == 0 || len(s) > maxModelName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == ':', c == '/', c == '@', c == '+':
		default:
			return false
		}
	}
	return true
}

// CheckModelRPM reports the first problem of a Token.ModelRPM map: too many
// entries, an invalid model name or a limit that is not positive.
func CheckModelRPM(m map[string]int64) error {
	if len(m) > MaxModelLimits {
		return fmt.Errorf("store: %d model limits, at most %d allowed", len(m), MaxModelLimits)
	}
	for name, rpm := range m {
		if !ValidModelName(name) {
			return fmt.Errorf("store: model name %q: want 1 to 128 of A-Z a-z 0-9 . _ - : / @ +", name)
		}
		if rpm <= 0 {
			return fmt.Errorf("store: model %q: rpm must be positive, got %d", name, rpm)
		}
	}
	return nil
}
