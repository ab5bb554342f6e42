package notify

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCompose: any message Send accepts renders as a parseable e-mail whose subject and body round-trip.
func FuzzCompose(f *testing.F) {
	for _, s := range [][2]string{{"hello", "body"}, {"Grüße ✓", "ä\n.\n..x"}, {"=?utf-8?q?x?=", "=3D\r\n"}, {"", strings.Repeat("y", 3000)}} {
		f.Add(s[0], s[1])
	}
	from := &mail.Address{Name: "Tollgate", Address: "tg@example.com"}
	f.Fuzz(func(t *testing.T, subject, text string) {
		env, err := parseEnvelope(from, Message{To: []string{"a@example.com"}, Subject: subject, Text: text})
		if err != nil {
			return
		}
		data, err := compose(env, Message{Subject: subject, Text: text}, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\r\n") {
			if len(line) > 998 {
				t.Fatalf("line of %d bytes", len(line))
			}
		}
		m, err := mail.ReadMessage(strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); utf8.ValidString(subject) && (err != nil || strings.TrimSpace(got) != strings.TrimSpace(subject)) { // header parsing trims outer spaces
			t.Fatalf("subject %q came back as %q (%v)", subject, got, err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		want := lineEnds.Replace(text)
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); strings.TrimSuffix(got, "\n") != strings.TrimSuffix(want, "\n") && utf8.ValidString(text) {
			t.Fatalf("body %q came back as %q", want, got)
		}
	})
}
