package notify

import (
	"context"
	"errors"
)

// Mailer sends e-mail. Implementations are safe for concurrent use.
type Mailer interface {
	// Send delivers m to the mail server, honouring ctx's deadline and
	// cancellation. A nil error means the server accepted the message.
	Send(ctx context.Context, m Message) error
}

// Message is one plain-text e-mail. To holds addresses as net/mail parses
// them ("alice@example.com" or "Alice <alice@example.com>"). Subject must
// be one line; Text is the body, with lines ending in LF, CRLF or CR.
type Message struct {
	To      []string
	Subject string
	Text    string
}

// Errors that callers may test with errors.Is.
var (
	// ErrRecipientRefused: the server refused a recipient (RCPT TO); the
	// address is likely wrong, nothing was sent.
	ErrRecipientRefused = errors.New("notify: recipient refused")
	// ErrInvalidMessage: the message or the sender configuration is malformed.
	ErrInvalidMessage = errors.New("notify: invalid message")
)
