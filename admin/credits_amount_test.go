package admin

import (
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/store"
)

// TestParseCreditsReadsDecimals: people type credits as decimals; each
// accepted form maps to the exact number of micro-credits.
func TestParseCreditsReadsDecimals(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"12.5", 12_500_000}, {"0.000001", 1}, {"-3", -3_000_000}, {"007", 7_000_000}, {"1000000000", maxAmount},
		{"0.1", 100_000}, {"-0.5", -500_000},
	} {
		got, err := parseCredits("credits", c.in)
		if err != nil || got != c.want {
			t.Errorf("parseCredits(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// TestParseCreditsRefusesBadInputNamingTheField: every refusal says which
// field and why, so a client can fix the request.
func TestParseCreditsRefusesBadInputNamingTheField(t *testing.T) {
	for _, c := range []struct{ in, why string }{
		{"", "no digits"}, {".5", "no digits before"}, {"1.", "no digits after"}, {"1.0000001", "more than 6 decimals"},
		{"1e3", "not a decimal"}, {"+1", "not a decimal"}, {" 1", "not a decimal"}, {"1,5", "not a decimal"},
		{"1000000000.000001", "too large"}, {"99999999999", "too large"}, {"--1", "not a decimal"}, {"NaN", "not a decimal"},
	} {
		_, err := parseCredits("credits", c.in)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Code != CodeInvalidRequest || !strings.HasPrefix(ae.Message, "credits: ") || !strings.Contains(ae.Message, c.why) {
			t.Errorf("parseCredits(%q) = %v, want invalid_request naming credits and %q", c.in, err, c.why)
		}
	}
}

// FuzzParseCredits: the parser never panics, every accepted value lies
// within maxAmount and formats back to an equal amount, and every amount in
// range survives a format-parse round trip.
func FuzzParseCredits(f *testing.F) {
	for _, s := range []string{"12.5", "-0.000001", "1.", ".5", "1e3", "999999999999999999999", "0", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseCredits("credits", s)
		if err != nil {
			return
		}
		if v > maxAmount || v < -maxAmount {
			t.Fatalf("parseCredits(%q) = %d, beyond maxAmount", s, v)
		}
		back, err := parseCredits("credits", store.FormatCredits(v))
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, v, store.FormatCredits(v), back, err)
		}
	})
}

// TestAmountRequestNeedsExactlyOneForm: amount (micro-credits) and credits
// (decimal) are alternatives; zero and, where unsigned, negatives are refused.
func TestAmountRequestNeedsExactlyOneForm(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		req    amountRequest
		signed bool
		want   int64
		msg    string
	}{
		{amountRequest{Amount: n(5)}, false, 5, ""},
		{amountRequest{Credits: "2.5"}, false, 2_500_000, ""},
		{amountRequest{Credits: "-2.5"}, true, -2_500_000, ""},
		{amountRequest{}, false, 0, "amount or credits: required"},
		{amountRequest{Amount: n(5), Credits: "1"}, false, 0, "give one, not both"},
		{amountRequest{Amount: n(0)}, true, 0, "amount: must not be zero"},
		{amountRequest{Credits: "-1"}, false, 0, "credits: must be positive"},
		{amountRequest{Amount: n(maxAmount + 1)}, false, 0, "amount: at most"},
	} {
		got, err := c.req.micro(c.signed)
		switch {
		case c.msg == "" && (err != nil || got != c.want):
			t.Errorf("%+v: %d, %v; want %d", c.req, got, err, c.want)
		case c.msg != "" && (err == nil || !strings.Contains(err.Error(), c.msg)):
			t.Errorf("%+v: %v, want an error containing %q", c.req, err, c.msg)
		}
	}
}
