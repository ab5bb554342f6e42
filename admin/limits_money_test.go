package admin

import (
	"context"
	"net/http"
	"testing"
)

// TestWorkspaceTokenLimitsAndCaps: PUT limits takes the token limits, the
// token count and the default monthly caps; a PUT replaces them all; bad
// values name the field.
func TestWorkspaceTokenLimitsAndCaps(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ws := e.workspace("tpm")
			path := "/v1/workspaces/" + ws + "/limits"
			var v workspaceView
			e.must(http.StatusOK, "PUT", path, map[string]any{"member_rpm": 60, "key_rpm": 0, "workspace_rpm": 600,
				"member_tpm": 10_000, "key_tpm": 20_000, "workspace_tpm": 100_000, "token_count": "input",
				"member_monthly_credits": 25_000_000, "key_monthly_credits": 50_000_000}, &v)
			got, err := e.backend.GetWorkspace(context.Background(), ws)
			if err != nil || got.Limits != v.Limits || got.Limits.MemberTPM != 10_000 || got.Limits.TokenCount != "input" ||
				got.Limits.KeyMonthlyCredits != 50_000_000 {
				t.Fatalf("stored %+v, answered %+v, %v", got.Limits, v.Limits, err)
			}
			var off workspaceView
			e.must(http.StatusOK, "PUT", path, map[string]any{"member_rpm": 60, "key_rpm": 0, "workspace_rpm": 600, "token_count": "total"}, &off)
			if off.Limits.MemberTPM != 0 || off.Limits.TokenCount != "" || off.Limits.MemberMonthlyCredits != 0 {
				t.Fatalf("a PUT without token limits turns them off: %+v", off.Limits)
			}
			base := map[string]any{"member_rpm": 1, "key_rpm": 1, "workspace_rpm": 1}
			for _, c := range []struct {
				field string
				value any
				msg   string
			}{
				{"member_tpm", -1, "member_tpm: must be from 0"},
				{"token_count", "both", "token_count: want total, input or output"},
				{"key_monthly_credits", int64(maxLimit) + 1, "key_monthly_credits: must be from 0"},
			} {
				body := map[string]any{c.field: c.value}
				for k, x := range base {
					body[k] = x
				}
				e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PUT", path, body, c.msg)
			}
		})
	}
}

// TestMemberTokenLimitAndMonthlyCap: an owner or admin sets a member's TPM
// and monthly cap; a member may not; the member record carries them.
func TestMemberTokenLimitAndMonthlyCap(t *testing.T) {
	e := newEnv(t)
	ow := e.owned("member caps")
	id, tok := e.memberOf(ow.Workspace.ID, "m@caps.test", "member")
	path := "/v1/workspaces/" + ow.Workspace.ID + "/members/" + id
	var v memberView
	e.as(ow.Token, http.StatusOK, "PATCH", path, map[string]any{"tpm": 5000, "monthly_credits": 10_000_000}, &v)
	if v.TPM != 5000 || v.Monthly != 10_000_000 || v.RPM != 0 {
		t.Fatalf("patched %+v", v)
	}
	m, err := e.backend.GetMember(context.Background(), ow.Workspace.ID, id)
	if err != nil || m.TPM != 5000 || m.Monthly != 10_000_000 {
		t.Fatalf("stored %+v %v", m, err)
	}
	e.as(tok, http.StatusForbidden, "PATCH", path, map[string]any{"monthly_credits": 0}, nil)
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PATCH", path, map[string]any{"tpm": -3}, "tpm: must be from 0")
	e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PATCH", path, map[string]any{}, "role, rpm, tpm or monthly_credits")
}

// TestKeyLimitsCreateAndPatch: a key takes token limits, a monthly cap and
// per-model limits at creation; PATCH changes some and keeps the rest, and
// the store's record (what admission reads) follows.
func TestKeyLimitsCreateAndPatch(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			e := newEnvWith(t, backend, nil)
			ow := e.owned("key limits")
			ws := ow.Workspace.ID
			var k keyResponse
			e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "bot", "rpm": 30, "tpm": 9000,
				"monthly_credits": 7_000_000, "model_limits": map[string]any{
					"gpt-4o":      map[string]any{"rpm": 5, "tpm": 1000, "monthly_tokens": 50_000, "monthly_credits": 2_000_000},
					"gpt-4o-mini": map[string]any{"monthly_credits": 500_000}}}, &k)
			if k.Key.TPM != 9000 || k.Key.Monthly != 7_000_000 || k.Key.ModelLimits["gpt-4o"] != (modelLimit{5, 1000, 50_000, 2_000_000}) ||
				k.Key.ModelLimits["gpt-4o-mini"] != (modelLimit{MonthlyCredits: 500_000}) {
				t.Fatalf("created %+v", k.Key)
			}
			rec, err := e.backend.GetToken(context.Background(), ws, k.Key.ID)
			if err != nil || rec.ModelRPM["gpt-4o"] != 5 || len(rec.ModelRPM) != 1 || rec.ModelLimits["gpt-4o"].MonthlyTokens != 50_000 || rec.ModelLimits["gpt-4o-mini"].MonthlyCredits != 500_000 {
				t.Fatalf("stored %+v %v", rec, err)
			}
			path := "/v1/workspaces/" + ws + "/keys/" + k.Key.ID
			var v tokenView
			e.as(ow.Token, http.StatusOK, "PATCH", path, map[string]any{"tpm": 12_000, "model_limits": map[string]any{"claude": map[string]any{"tpm": 100}}}, &v)
			if v.RPM != 30 || v.TPM != 12_000 || v.Monthly != 7_000_000 || len(v.ModelLimits) != 1 || v.ModelLimits["claude"].TPM != 100 {
				t.Fatalf("patched %+v", v)
			}
			rec, _ = e.backend.GetToken(context.Background(), ws, k.Key.ID)
			if rec.TPM != 12_000 || rec.RPM != 30 || len(rec.ModelRPM) != 0 || rec.ModelLimits["claude"].TPM != 100 {
				t.Fatalf("stored after patch %+v", rec)
			}
			e.mustFail(http.StatusBadRequest, CodeInvalidRequest, "PATCH", path, map[string]any{"model_limits": map[string]any{"m": map[string]any{"tpm": -1}}}, `model_limits["m"].tpm`)
			e.mustFail(http.StatusBadRequest, CodeUnknownField, "PATCH", path, map[string]any{"name": "renamed"}, `unknown field "name"`)
			e.mustFail(http.StatusNotFound, CodeNotFound, "PATCH", "/v1/workspaces/"+ws+"/keys/"+ow.TokenID, map[string]any{"rpm": 1}, "key")
			e.must(http.StatusOK, "DELETE", path, nil, nil)
			e.mustFail(http.StatusConflict, CodeConflict, "PATCH", path, map[string]any{"rpm": 1}, "revoked")
		})
	}
}
