// Package smtptest runs a real SMTP server (RFC 5321) on a free loopback port
// for tests, and records every message it accepts.
//
// It speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET,
// NOOP and QUIT, and optionally STARTTLS (with a throwaway self-signed
// certificate) and AUTH PLAIN. Options make it refuse chosen recipients or
// hold every connection without a greeting, the way a hung server behaves.
// It is a test double for a mail relay, not a mail server: it delivers
// nothing and keeps messages only on the Messages channel.
package smtptest
