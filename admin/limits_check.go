package admin

// maxLimit bounds a token-per-minute limit, a monthly token cap or a monthly
// credit cap (micro-credits).
const maxLimit = maxAmount

// checkLimit accepts an omitted limit or one from 0 (off, or the default)
// to maxLimit.
func checkLimit(field string, v *int64) error {
	if v != nil && (*v < 0 || *v > maxLimit) {
		return errInvalid("%s: must be from 0 (off or default) to %d, got %d", field, int64(maxLimit), *v)
	}
	return nil
}
