package redisstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/store"
)

// limitsFields returns the workspace (or plan) hash fields of l, read by
// admit.lua: member_rpm, key_rpm, ws_rpm, member_tpm, key_tpm, ws_tpm,
// tcount (Limits.TokenCount), member_mc and key_mc (monthly caps, µc).
func limitsFields(l store.Limits) []any {
	return []any{"member_rpm", itoa(l.MemberRPM), "key_rpm", itoa(l.KeyRPM), "ws_rpm", itoa(l.WorkspaceRPM),
		"member_tpm", itoa(l.MemberTPM), "key_tpm", itoa(l.KeyTPM), "ws_tpm", itoa(l.WorkspaceTPM),
		"tcount", l.TokenCount, "member_mc", itoa(l.MemberMonthlyCredits), "key_mc", itoa(l.KeyMonthlyCredits)}
}

func decodeLimits(m map[string]string) store.Limits {
	return store.Limits{MemberRPM: i64(m["member_rpm"]), KeyRPM: i64(m["key_rpm"]), WorkspaceRPM: i64(m["ws_rpm"]),
		MemberTPM: i64(m["member_tpm"]), KeyTPM: i64(m["key_tpm"]), WorkspaceTPM: i64(m["ws_tpm"]),
		TokenCount: m["tcount"], MemberMonthlyCredits: i64(m["member_mc"]), KeyMonthlyCredits: i64(m["key_mc"])}
}

// checkWorkspaceLimits refuses a negative limit or an unknown TokenCount.
func checkWorkspaceLimits(l store.Limits) error {
	if err := checkLimits(l.MemberRPM, l.KeyRPM, l.WorkspaceRPM); err != nil {
		return err
	}
	if err := nonNegative("token limit", l.MemberTPM, l.KeyTPM, l.WorkspaceTPM); err != nil {
		return err
	}
	if err := nonNegative("monthly cap", l.MemberMonthlyCredits, l.KeyMonthlyCredits); err != nil {
		return err
	}
	switch l.TokenCount {
	case store.TokensTotal, store.TokensInput, store.TokensOutput:
		return nil
	}
	return fmt.Errorf("redisstore: invalid token_count %q: want \"\" (total), %q or %q", l.TokenCount, store.TokensInput, store.TokensOutput)
}

// billingFields returns the workspace hash fields of b: anchor, low, atb
// and ata (auto top-up below and amount).
func billingFields(b store.Billing) []any {
	return []any{"anchor", itoa(int64(b.Anchor)), "low", itoa(b.LowBalance), "atb", itoa(b.AutoTopUpBelow),
		"ata", itoa(b.AutoTopUpAmount)}
}

func decodeBilling(m map[string]string) store.Billing {
	return store.Billing{Anchor: int(i64(m["anchor"])), LowBalance: i64(m["low"]), AutoTopUpBelow: i64(m["atb"]),
		AutoTopUpAmount: i64(m["ata"])}
}

// checkBilling refuses an anchor that is not a day from 1 to 28 (or 0)
// and negative thresholds.
func checkBilling(b store.Billing) error {
	if b.Anchor < 0 || b.Anchor > 28 {
		return fmt.Errorf("redisstore: invalid billing anchor %d: want a day from 1 to 28, or 0 for calendar months", b.Anchor)
	}
	return nonNegative("billing amount", b.LowBalance, b.AutoTopUpBelow, b.AutoTopUpAmount)
}

func nonNegative(what string, v ...int64) error {
	for _, n := range v {
		if n < 0 {
			return fmt.Errorf("redisstore: invalid %s %d: want 0 (off) or more", what, n)
		}
	}
	return nil
}

// tokenLimitFields returns the token hash fields of l: rpm, tpm, mc
// (monthly cap, µc), mrpm (encodeModelRPM) and ml (encodeModelLimits).
func tokenLimitFields(l store.TokenLimits) []any {
	return []any{"rpm", itoa(l.RPM), "tpm", itoa(l.TPM), "mc", itoa(l.Monthly), "mrpm", encodeModelRPM(l.ModelRPM),
		"ml", encodeModelLimits(l.ModelLimits)}
}

// checkTokenLimits refuses negative limits and bad per-model maps.
func checkTokenLimits(id string, l store.TokenLimits) error {
	if err := checkLimits(l.RPM); err != nil {
		return err
	}
	if err := nonNegative("token limit", l.TPM, l.Monthly); err != nil {
		return err
	}
	if err := store.CheckModelRPM(l.ModelRPM); err != nil {
		return fmt.Errorf("redisstore: token %q: %w", id, err)
	}
	if len(l.ModelLimits) > store.MaxModelLimits {
		return fmt.Errorf("redisstore: token %q: %d model limits, at most %d allowed", id, len(l.ModelLimits), store.MaxModelLimits)
	}
	for name, ml := range l.ModelLimits {
		if !store.ValidModelName(name) {
			return fmt.Errorf("redisstore: token %q: model name %q: want 1 to 128 of A-Z a-z 0-9 . _ - : / @ +", id, name)
		}
		if ml.TPM < 0 || ml.MonthlyTokens < 0 || ml.MonthlyCredits < 0 {
			return fmt.Errorf("redisstore: token %q: model %q has a negative limit %+v", id, name, ml)
		}
	}
	return nil
}

// encodeModelLimits stores Token.ModelLimits as
// ",model=tpm:tokens:credits,..." (models sorted), a form admit.lua finds
// with one plain string.find, as encodeModelRPM. Empty is "".
func encodeModelLimits(m map[string]store.ModelLimit) string {
	if len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte(',')
	for _, n := range names {
		l := m[n]
		fmt.Fprintf(&b, "%s=%d:%d:%d,", n, l.TPM, l.MonthlyTokens, l.MonthlyCredits)
	}
	return b.String()
}

// decodeModelLimits reverses encodeModelLimits; nil for "".
func decodeModelLimits(s string) map[string]store.ModelLimit {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	m := make(map[string]store.ModelLimit)
	for e := range strings.SplitSeq(s, ",") {
		n, v, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		var l store.ModelLimit
		if _, err := fmt.Sscanf(v, "%d:%d:%d", &l.TPM, &l.MonthlyTokens, &l.MonthlyCredits); err == nil {
			m[n] = l
		}
	}
	return m
}
