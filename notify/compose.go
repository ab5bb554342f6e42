package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// envelope is a validated message: addresses parsed, ready to send.
type envelope struct {
	from *mail.Address
	to   []*mail.Address
}

// parseEnvelope checks the sender and every recipient of m.
func parseEnvelope(from *mail.Address, m Message) (envelope, error) {
	if len(m.To) == 0 {
		return envelope{}, fmt.Errorf("%w: no recipients", ErrInvalidMessage)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return envelope{}, fmt.Errorf("%w: subject has a line break", ErrInvalidMessage)
	}
	e := envelope{from: from, to: make([]*mail.Address, 0, len(m.To))}
	for _, raw := range m.To {
		a, err := mail.ParseAddress(raw)
		if err != nil {
			return envelope{}, fmt.Errorf("%w: recipient %q: %v", ErrInvalidMessage, raw, err)
		}
		e.to = append(e.to, a)
	}
	return e, nil
}

// compose renders the message: headers, then the body in quoted-printable,
// which keeps every line under the 998-byte limit and any UTF-8 text safe
// over servers without 8BITMIME. Line ends are CRLF.
func compose(e envelope, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	id, err := messageID(e.from.Address)
	if err != nil {
		return nil, err
	}
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", e.from.String())
	header("To", strings.Join(to, ",\r\n "))
	header("Subject", encodeSubject(m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(lineEnds.Replace(m.Text))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// lineEnds turns CRLF and a lone CR into LF; the quoted-printable writer
// then ends every line with CRLF.
var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// messageID returns a unique Message-ID in the sender's domain.
func messageID(from string) (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("notify: message id: %w", err)
	}
	domain := "tollgate.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

// encodeSubject returns s as is when it is short printable ASCII that no
// reader would take for an encoded word; otherwise it returns RFC 2047
// B-encoded words of at most 45 bytes of UTF-8 each, one per folded line,
// so no header line grows past the 998-byte limit.
func encodeSubject(s string) string {
	plain := len(s) <= 900 && !strings.Contains(s, "=?")
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] >= ' ' && s[i] <= '~'
	}
	if plain {
		return s
	}
	var words []string
	for len(s) > 0 {
		n := min(len(s), 45)
		for n < len(s) && n > 1 && !utf8.RuneStart(s[n]) { // do not split a character
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}
