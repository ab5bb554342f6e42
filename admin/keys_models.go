package admin

import (
	"slices"

	"github.com/tollgate-dev/tollgate/store"
)

// modelLimit is one model's limits on a workspace key, as in
// "model_limits": {"gpt-4o": {"rpm": 10, "tpm": 20000, "monthly_credits": 5000000}}:
// requests and tokens per minute, tokens and micro-credits per billing
// period. 0 is off; at least one is set.
type modelLimit struct {
	RPM            int64 `json:"rpm,omitempty"`
	TPM            int64 `json:"tpm,omitempty"`
	MonthlyTokens  int64 `json:"monthly_tokens,omitempty"`
	MonthlyCredits int64 `json:"monthly_credits,omitempty"`
}

// maxModelRPM bounds a per-model limit, like any other rate limit.
const maxModelRPM = 1_000_000_000

// checkModelLimits validates a key's model_limits and returns them in the
// store's two forms: per-model requests per minute (store.Token.ModelRPM)
// and the token and money limits (store.Token.ModelLimits); each is nil
// when empty. Errors name the model and the field.
func checkModelLimits(m map[string]modelLimit) (map[string]int64, map[string]store.ModelLimit, error) {
	if len(m) == 0 {
		return nil, nil, nil
	}
	if len(m) > store.MaxModelLimits {
		return nil, nil, errInvalid("model_limits: %d models, at most %d allowed", len(m), store.MaxModelLimits)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names) // the first problem reported is stable
	rpm := map[string]int64{}
	lim := map[string]store.ModelLimit{}
	for _, n := range names {
		if !store.ValidModelName(n) {
			return nil, nil, errInvalid("model_limits: model name %q: want 1 to 128 of A-Z a-z 0-9 . _ - : / @ +", n)
		}
		if err := m[n].check(n); err != nil {
			return nil, nil, err
		}
		if l := m[n]; l.RPM > 0 {
			rpm[n] = l.RPM
		}
		if l := m[n]; l.TPM > 0 || l.MonthlyTokens > 0 || l.MonthlyCredits > 0 {
			lim[n] = store.ModelLimit{TPM: l.TPM, MonthlyTokens: l.MonthlyTokens, MonthlyCredits: l.MonthlyCredits}
		}
	}
	return nilIfEmpty(rpm), nilIfEmpty(lim), nil
}

func (l modelLimit) check(model string) error {
	if l.RPM < 0 || l.RPM > maxModelRPM {
		return errInvalid("model_limits[%q].rpm: must be between 1 and %d, got %d", model, maxModelRPM, l.RPM)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"tpm", l.TPM}, {"monthly_tokens", l.MonthlyTokens}, {"monthly_credits", l.MonthlyCredits}} {
		if f.v < 0 || f.v > maxLimit {
			return errInvalid("model_limits[%q].%s: must be from 0 (off) to %d, got %d", model, f.name, int64(maxLimit), f.v)
		}
	}
	if l == (modelLimit{}) {
		return errInvalid("model_limits[%q].rpm: set at least one of rpm, tpm, monthly_tokens, monthly_credits above 0", model)
	}
	return nil
}

func nilIfEmpty[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

// viewModelLimits is the inverse of checkModelLimits, for key views.
func viewModelLimits(rpm map[string]int64, lim map[string]store.ModelLimit) map[string]modelLimit {
	if len(rpm) == 0 && len(lim) == 0 {
		return nil
	}
	out := make(map[string]modelLimit, max(len(rpm), len(lim)))
	for n, v := range rpm {
		l := out[n]
		l.RPM = v
		out[n] = l
	}
	for n, v := range lim {
		l := out[n]
		l.TPM, l.MonthlyTokens, l.MonthlyCredits = v.TPM, v.MonthlyTokens, v.MonthlyCredits
		out[n] = l
	}
	return out
}
