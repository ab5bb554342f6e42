package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// TestAlertEmailPerEventType: each alert reads as a sentence with its figures, and names cannot forge lines.
func TestAlertEmailPerEventType(t *testing.T) {
	at := time.Date(2026, 11, 3, 14, 5, 0, 0, time.UTC)
	members := []store.Member{{ID: "m1", Email: "carol@example.com"}}
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		e       Event
		subject string
		says    []string
	}{
		{Event{Type: EventCreditsLow, Data: CreditsData{Balance: 4_500_000, Threshold: 5_000_000}},
			"[Tollgate] Credits low in Research", []string{"fell below 5 credits; it is now 4.5 credits"}},
		{Event{Type: EventCreditsAdded, Data: &CreditsData{Balance: 104_500_000, Amount: 100_000_000, Source: "voucher"}},
			"[Tollgate] Credits added to Research", []string{"100 credits were added", "(voucher)", "now 104.5 credits"}},
		{Event{Type: EventAutoTopUp, Data: CreditsData{Balance: 900_000, Threshold: 1_000_000, Amount: 50_000_000}},
			"[Tollgate] Auto top-up requested for Research", []string{"top-up of 50 credits was requested"}},
		{Event{Type: EventCapReached, Data: CapData{Scope: "member_spend_cap", MemberID: "m1", Limit: 20_000_000, PeriodEnd: end}},
			"[Tollgate] Spend cap reached in Research", []string{"the member carol@example.com, 20 credits", "2026-12-01 00:00 UTC"}},
		{Event{Type: EventCapReached, Data: CapData{Scope: "key_model_token_cap", KeyID: "k1", Model: "gpt-4o", Limit: 1000, PeriodEnd: end}},
			"[Tollgate] Spend cap reached in Research", []string{"key k1 for the model gpt-4o, 1000 tokens"}},
		{Event{Type: "future.event", Data: map[string]int{"n": 1}},
			"[Tollgate] future.event in Research", []string{`"n": 1`}},
	}
	for _, tc := range tests {
		tc.e.ID, tc.e.At = "evt1", at
		m := AlertEmail([]string{"a@example.com"}, "Research\r\nBcc: x@example.com", tc.e, members)
		if !strings.HasPrefix(m.Subject, tc.subject) || strings.ContainsAny(m.Subject, "\r\n") {
			t.Errorf("%s: subject %q, want %q", tc.e.Type, m.Subject, tc.subject)
		}
		for _, s := range append(tc.says, "Event evt1 ("+tc.e.Type+") at 2026-11-03 14:05:00 UTC.") {
			if !strings.Contains(m.Text, s) {
				t.Errorf("%s: text lacks %q:\n%s", tc.e.Type, s, m.Text)
			}
		}
	}
}
