package admin

import (
	"slices"

	"github.com/tollgate-dev/tollgate/store"
)

// modelLimit is one model's limit on a workspace key, as in
// "model_limits": {"gpt-4o": {"rpm": 10}}.
type modelLimit struct {
	RPM int64 `json:"rpm"`
}

// maxModelRPM bounds a per-model limit, like any other rate limit.
const maxModelRPM = 1_000_000_000

// checkModelLimits validates a key's model_limits and returns them as
// store.Token.ModelRPM (nil when there are none). Errors name the model.
func checkModelLimits(m map[string]modelLimit) (map[string]int64, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if len(m) > store.MaxModelLimits {
		return nil, errInvalid("model_limits: %d models, at most %d allowed", len(m), store.MaxModelLimits)
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names) // the first problem reported is stable
	out := make(map[string]int64, len(m))
	for _, n := range names {
		if !store.ValidModelName(n) {
			return nil, errInvalid("model_limits: model name %q: want 1 to 128 of A-Z a-z 0-9 . _ - : / @ +", n)
		}
		rpm := m[n].RPM
		if rpm <= 0 || rpm > maxModelRPM {
			return nil, errInvalid("model_limits[%q].rpm: must be between 1 and %d, got %d", n, maxModelRPM, rpm)
		}
		out[n] = rpm
	}
	return out, nil
}

// viewModelLimits is the inverse of checkModelLimits, for key views.
func viewModelLimits(m map[string]int64) map[string]modelLimit {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]modelLimit, len(m))
	for n, rpm := range m {
		out[n] = modelLimit{RPM: rpm}
	}
	return out
}
