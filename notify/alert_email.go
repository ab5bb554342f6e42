package notify

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tollgate-dev/tollgate/store"
)

// AlertEmail returns the plain-text e-mail of alert e for the workspace
// named workspaceName, addressed to every address in to. members, when
// given, lets a cap alert name the member by e-mail instead of id. Amounts
// are shown in credits (micro-credits / 1 000 000) and times in UTC. User-
// chosen names are cleaned of line breaks and control characters.
func AlertEmail(to []string, workspaceName string, e Event, members []store.Member) Message {
	ws := clean(workspaceName)
	var subject, text string
	switch data := e.Data.(type) {
	case CreditsData:
		subject, text = creditsEmail(e.Type, ws, data)
	case *CreditsData:
		subject, text = creditsEmail(e.Type, ws, *data)
	case CapData:
		subject, text = capEmail(ws, data, members)
	case *CapData:
		subject, text = capEmail(ws, *data, members)
	}
	if subject == "" {
		subject, text = genericEmail(ws, e)
	}
	text += fmt.Sprintf("\nEvent %s (%s) at %s.\n", e.ID, e.Type, e.At.UTC().Format("2006-01-02 15:04:05 MST"))
	return Message{To: to, Subject: subject, Text: text}
}

// creditsEmail renders the credits events; it returns "" for another type.
func creditsEmail(typ, ws string, c CreditsData) (subject, text string) {
	switch typ {
	case EventCreditsLow:
		return "[Tollgate] Credits low in " + ws, fmt.Sprintf(
			"The balance of the workspace %q fell below %s credits; it is now %s credits.\n\n"+
				"Requests are refused (402 insufficient_credits) once the balance cannot\ncover them. Add credits with a top-up or a voucher.\n",
			ws, store.FormatCredits(c.Threshold), store.FormatCredits(c.Balance))
	case EventCreditsAdded:
		how := ""
		if c.Source != "" {
			how = " (" + clean(c.Source) + ")"
		}
		return "[Tollgate] Credits added to " + ws, fmt.Sprintf(
			"%s credits were added to the workspace %q%s; the balance is now %s credits.\n",
			store.FormatCredits(c.Amount), ws, how, store.FormatCredits(c.Balance))
	case EventAutoTopUp:
		return "[Tollgate] Auto top-up requested for " + ws, fmt.Sprintf(
			"The balance of the workspace %q fell below %s credits; it is now %s credits.\n\n"+
				"An automatic top-up of %s credits was requested from the billing system.\n",
			ws, store.FormatCredits(c.Threshold), store.FormatCredits(c.Balance), store.FormatCredits(c.Amount))
	}
	return "", ""
}

// capEmail renders EventCapReached.
func capEmail(ws string, c CapData, members []store.Member) (subject, text string) {
	who, limit := "", store.FormatCredits(c.Limit)+" credits"
	switch c.Scope {
	case "member_spend_cap":
		who = "the member " + memberName(c.MemberID, members)
	case "key_spend_cap":
		who = "the workspace key " + clean(c.KeyID)
	case "key_model_spend_cap":
		who = "the workspace key " + clean(c.KeyID) + " for the model " + clean(c.Model)
	case "key_model_token_cap":
		who = "the workspace key " + clean(c.KeyID) + " for the model " + clean(c.Model)
		limit = strconv.FormatInt(c.Limit, 10) + " tokens"
	default:
		who = "a cap (" + clean(c.Scope) + ")"
	}
	return "[Tollgate] Spend cap reached in " + ws, fmt.Sprintf(
		"The monthly cap of %s, %s, was reached in the workspace %q.\n"+
			"Its requests are refused (429) until the period ends at %s.\n",
		who, limit, ws, c.PeriodEnd.UTC().Format("2006-01-02 15:04 MST"))
}

// memberName returns the e-mail of the member with id, or the id.
func memberName(id string, members []store.Member) string {
	for _, m := range members {
		if m.ID == id && m.Email != "" {
			return clean(m.Email)
		}
	}
	return clean(id)
}

// genericEmail renders an event type this version does not know, with its
// data as JSON.
func genericEmail(ws string, e Event) (subject, text string) {
	data, err := json.MarshalIndent(e.Data, "", "  ")
	if err != nil {
		data = []byte("(data not shown: " + err.Error() + ")")
	}
	return "[Tollgate] " + clean(e.Type) + " in " + ws,
		fmt.Sprintf("The workspace %q raised the alert %s:\n\n%s\n", ws, clean(e.Type), data)
}
