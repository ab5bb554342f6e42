package embedded

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// invalid returns an error wrapping ErrInvalid that names the problem.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func validateWorkspace(w *store.Workspace) error {
	switch {
	case w == nil:
		return invalid("workspace is nil")
	case w.ID == "":
		return invalid("workspace id is empty")
	}
	return validateLimits(w.Limits)
}

func validateLimits(l store.Limits) error {
	switch {
	case l.MemberRPM < 0:
		return invalid("member_rpm %d is negative", l.MemberRPM)
	case l.KeyRPM < 0:
		return invalid("key_rpm %d is negative", l.KeyRPM)
	case l.WorkspaceRPM < 0:
		return invalid("workspace_rpm %d is negative", l.WorkspaceRPM)
	case l.MemberTPM < 0:
		return invalid("member_tpm %d is negative", l.MemberTPM)
	case l.KeyTPM < 0:
		return invalid("key_tpm %d is negative", l.KeyTPM)
	case l.WorkspaceTPM < 0:
		return invalid("workspace_tpm %d is negative", l.WorkspaceTPM)
	case l.TokenCount != store.TokensTotal && l.TokenCount != store.TokensInput && l.TokenCount != store.TokensOutput:
		return invalid("token_count %q is not \"\", %q or %q", l.TokenCount, store.TokensInput, store.TokensOutput)
	case l.MemberMonthlyCredits < 0:
		return invalid("member_monthly_credits %d is negative", l.MemberMonthlyCredits)
	case l.KeyMonthlyCredits < 0:
		return invalid("key_monthly_credits %d is negative", l.KeyMonthlyCredits)
	}
	return nil
}

func validateMember(m *store.Member) error {
	switch {
	case m == nil:
		return invalid("member is nil")
	case m.WorkspaceID == "":
		return invalid("member %q has no workspace id", m.ID)
	case m.ID == "":
		return invalid("member id is empty")
	case m.Status != "" && m.Status != store.MemberActive && m.Status != store.MemberRemoved:
		return invalid("member %q has unknown status %q", m.ID, m.Status)
	case m.RPM < 0:
		return invalid("member %q rpm %d is negative", m.ID, m.RPM)
	case m.TPM < 0:
		return invalid("member %q tpm %d is negative", m.ID, m.TPM)
	case m.Monthly < 0:
		return invalid("member %q monthly_credits %d is negative", m.ID, m.Monthly)
	}
	return nil
}

func validateToken(t *store.Token) error {
	switch {
	case t == nil:
		return invalid("token is nil")
	case t.WorkspaceID == "":
		return invalid("token %q has no workspace id", t.ID)
	case t.ID == "":
		return invalid("token id is empty")
	case t.Kind != token.Member && t.Kind != token.Key:
		return invalid("token %q has kind %v; stored tokens are member tokens or workspace keys", t.ID, t.Kind)
	case t.Hash == token.Hash{}:
		return invalid("token %q has no hash", t.ID)
	case t.Kind == token.Member && t.MemberID == "":
		return invalid("member token %q has no member id", t.ID)
	case t.Status != "" && t.Status != store.TokenActive && t.Status != store.TokenRevoked:
		return invalid("token %q has unknown status %q", t.ID, t.Status)
	}
	return validateTokenLimits(t.ID, store.TokenLimits{RPM: t.RPM, TPM: t.TPM, Monthly: t.Monthly,
		ModelRPM: t.ModelRPM, ModelLimits: t.ModelLimits})
}

func validateUpstream(u *store.Upstream) error {
	switch {
	case u == nil:
		return invalid("upstream is nil")
	case u.WorkspaceID == "":
		return invalid("upstream %q has no workspace id", u.Name)
	case u.Name == "":
		return invalid("upstream name is empty")
	case strings.Contains(u.Name, "/"):
		return invalid("upstream name %q contains a slash", u.Name)
	}
	return nil
}
