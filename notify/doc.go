// Package notify sends Tollgate's e-mail (invitations, alerts) and its
// signed alert webhooks.
//
// A Mailer sends one Message. NewSMTP returns a Mailer that opens one SMTP
// connection per message through net/smtp (standard library, so no new
// dependency; its dot-stuffing and CRLF handling are used as is), upgrades
// with STARTTLS as configured, and authenticates with AUTH PLAIN only over
// TLS or to a loopback relay. Invitation renders the invitation e-mail.
//
// Errors carry the "notify: " prefix, name the server, the stage and the
// address that failed, and never contain the password. A recipient the
// server refuses wraps ErrRecipientRefused.
//
// A Dispatcher is the Alerter: it posts each alert Event, signed with Sign
// (HMAC-SHA-256 over "<unix seconds>.<body>"), to the workspace's webhooks,
// retries with backoff from memory only (retries do not survive a restart),
// records every attempt in the store, and e-mails owners and admins when a
// Mailer is configured. docs/webhooks.md is the receivers' reference.
package notify
