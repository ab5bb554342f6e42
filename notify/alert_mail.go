package notify

import "github.com/tollgate-dev/tollgate/store"

// mail e-mails e to the active owners and admins of its workspace, in one
// message. Failures are logged and counted, not retried.
func (d *Dispatcher) mail(e Event) {
	log := d.cfg.Logger.With("event", e.ID, "type", e.Type, "workspace", e.Workspace)
	ctx, cancel := d.storeCtx()
	ws, err := d.cfg.Store.GetWorkspace(ctx, e.Workspace)
	var members []store.Member
	if err == nil {
		members, err = d.cfg.Store.ListMembers(ctx, e.Workspace)
	}
	cancel()
	if err != nil {
		d.m.emails.WithLabelValues(outcomeFailed).Inc()
		log.Error("alert e-mail not sent: cannot read the workspace", "err", err)
		return
	}
	to := alertRecipients(members)
	if len(to) == 0 {
		return
	}
	// The mailer bounds the send with its own timeout; the base context
	// ends it when Close gives up waiting.
	if err := d.cfg.Mailer.Send(d.base, AlertEmail(to, ws.Name, e, members)); err != nil {
		d.m.emails.WithLabelValues(outcomeFailed).Inc()
		log.Error("alert e-mail not sent", "recipients", len(to), "err", err)
		return
	}
	d.m.emails.WithLabelValues(outcomeSent).Inc()
}

// alertRecipients returns the e-mail addresses of the active owners and
// admins among members.
func alertRecipients(members []store.Member) []string {
	var to []string
	for _, m := range members {
		if m.Status == store.MemberActive && m.Email != "" && (m.Role == store.RoleOwner || m.Role == store.RoleAdmin) {
			to = append(to, m.Email)
		}
	}
	return to
}
