// Package notify sends Tollgate's e-mail: invitations now, alerts later.
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
package notify
