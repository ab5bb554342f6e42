package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is the parsed form of a received message.
type Message struct {
	Header  mail.Header // every header field, as net/mail parsed it
	Subject string      // the Subject with RFC 2047 encoded words decoded
	// Body is the body decoded from its Content-Transfer-Encoding
	// (quoted-printable, base64 or none), with CRLF turned into LF.
	Body string
	// ParseErr is why the message could not be parsed, or nil; the raw
	// message is still in Received.Data.
	ParseErr error
}

func parse(data []byte) Message {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Message{ParseErr: err}
	}
	out := Message{Header: m.Header}
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		out.ParseErr = err
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil && out.ParseErr == nil {
		out.ParseErr = err
	}
	out.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
	return out
}

// newlineStripper drops CR and LF, which base64 bodies carry between lines.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
