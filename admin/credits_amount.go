package admin

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// maxAmount bounds one amount of money the API accepts, in micro-credits
// (one billion credits), so that sums of many amounts stay far from int64
// overflow.
const maxAmount = 1_000_000_000 * store.MicroPerCredit

// parseCredits reads a decimal number of credits, such as "12.5", "-3" or
// "0.000001", into micro-credits. It accepts an optional leading minus, at
// least one digit before an optional point and 1 to 6 digits after it; no
// exponent, no plus sign, no spaces. Its magnitude may not exceed maxAmount.
// Errors name field.
func parseCredits(field, s string) (int64, error) {
	bad := func(why string) (int64, error) {
		return 0, errInvalid("%s: %s; want a number of credits with at most 6 decimals, such as 12.5, got %q",
			field, why, clip(s))
	}
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	switch {
	case whole == "":
		return bad("no digits before the decimal point")
	case dot && frac == "":
		return bad("no digits after the decimal point")
	case len(frac) > store.CreditDigits:
		return bad("more than 6 decimals (1 micro-credit is 0.000001)")
	case !allDigits(whole) || !allDigits(frac):
		return bad("not a decimal number")
	case len(strings.TrimLeft(whole, "0")) > 10:
		return bad("too large")
	}
	w, _ := strconv.ParseInt(whole, 10, 64) // at most 10 significant digits: fits
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", store.CreditDigits-len(frac)), 10, 64)
	}
	v := w*store.MicroPerCredit + f
	if v > maxAmount {
		return bad("too large")
	}
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// creditAmount is a request field that takes a number of credits as a JSON
// number (12.5) or string ("12.5"). It keeps the text so that no float ever
// rounds money; parseCredits validates it and names the field. Empty means
// absent. It is a string type, not a struct, so that the unknown-field check
// never looks inside it.
type creditAmount string

// UnmarshalJSON keeps the number's or string's text. Other JSON values keep
// their text too, and parseCredits refuses them with the field's name.
func (c *creditAmount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if s == "null" {
		s = ""
	}
	*c = creditAmount(s)
	return nil
}

// amountRequest is the money of a top-up, adjustment or voucher: exactly one
// of Amount (micro-credits) or Credits (a decimal number of credits).
type amountRequest struct {
	Amount  *int64       `json:"amount"`
	Credits creditAmount `json:"credits"`
}

// micro returns the requested amount in micro-credits. signed allows a
// negative amount (adjustments); zero is always refused.
func (a *amountRequest) micro(signed bool) (int64, error) {
	var v int64
	switch {
	case a.Amount != nil && a.Credits != "":
		return 0, errInvalid("amount, credits: give one, not both (amount in micro-credits, credits as a decimal)")
	case a.Amount != nil:
		v = *a.Amount
		if v > maxAmount || v < -maxAmount {
			return 0, errInvalid("amount: at most %d micro-credits in magnitude, got %d", int64(maxAmount), v)
		}
	case a.Credits != "":
		var err error
		if v, err = parseCredits("credits", string(a.Credits)); err != nil {
			return 0, err
		}
	default:
		return 0, errInvalid("amount or credits: required (amount in micro-credits, or credits as a decimal such as \"12.5\")")
	}
	switch {
	case v == 0:
		return 0, errInvalid("%s: must not be zero", a.field())
	case v < 0 && !signed:
		return 0, errInvalid("%s: must be positive, got %s credits", a.field(), store.FormatCredits(v))
	}
	return v, nil
}

func (a *amountRequest) field() string {
	if a.Amount != nil {
		return "amount"
	}
	return "credits"
}
