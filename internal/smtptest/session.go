package smtptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
)

const (
	maxLine = 1000     // RFC 5321 §4.5.3.1.6: a text line, CRLF included
	maxData = 10 << 20 // largest message accepted, in bytes
)

var errLineTooLong = errors.New("smtptest: line too long")

// session is one client connection. It is used by one goroutine.
type session struct {
	srv  *Server
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer

	helo     bool
	tls      bool
	authUser string
	from     string
	hasFrom  bool
	to       []string
}

func newSession(s *Server, c net.Conn) *session {
	return &session{srv: s, conn: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriter(c)}
}

// run greets the client and answers commands until QUIT or a read error.
func (x *session) run() {
	x.reply(220, "127.0.0.1 smtptest ESMTP ready")
	for {
		line, err := x.readLine()
		if errors.Is(err, errLineTooLong) {
			x.reply(500, "5.5.2 line too long")
			return
		}
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !x.command(strings.ToUpper(verb), strings.TrimSpace(arg)) {
			return
		}
	}
}

// command answers one command and reports whether the session goes on.
func (x *session) command(verb, arg string) bool {
	switch verb {
	case "EHLO", "HELO":
		x.hello(verb, arg)
	case "STARTTLS":
		return x.startTLS()
	case "AUTH":
		x.auth(arg)
	case "MAIL":
		x.mail(arg)
	case "RCPT":
		x.rcpt(arg)
	case "DATA":
		return x.data()
	case "RSET":
		x.reset()
		x.reply(250, "2.0.0 OK")
	case "NOOP":
		x.reply(250, "2.0.0 OK")
	case "QUIT":
		x.reply(221, "2.0.0 Bye")
		return false
	default:
		x.reply(502, "5.5.2 command not recognized")
	}
	return true
}

func (x *session) hello(verb, arg string) {
	if arg == "" {
		x.reply(501, "5.5.4 "+verb+" needs a domain")
		return
	}
	x.reset()
	x.helo = true
	if verb == "HELO" {
		x.reply(250, "127.0.0.1 greets "+arg)
		return
	}
	lines := []string{"127.0.0.1 greets " + arg, "8BITMIME", "SIZE " + fmt.Sprint(maxData)}
	if x.srv.tls != nil && !x.tls {
		lines = append(lines, "STARTTLS")
	}
	if x.srv.opts.Username != "" {
		lines = append(lines, "AUTH PLAIN")
	}
	x.reply(250, lines...)
}

func (x *session) startTLS() bool {
	if x.srv.tls == nil || x.tls {
		x.reply(502, "5.5.1 STARTTLS not offered")
		return true
	}
	x.reply(220, "2.0.0 Ready to start TLS")
	tc := tls.Server(x.conn, x.srv.tls)
	if err := tc.Handshake(); err != nil {
		return false
	}
	x.conn, x.r, x.w = tc, bufio.NewReaderSize(tc, 4096), bufio.NewWriter(tc)
	x.tls, x.helo, x.authUser = true, false, "" // RFC 3207 §4.2: forget everything
	x.reset()
	return true
}

func (x *session) auth(arg string) {
	mech, initial, _ := strings.Cut(arg, " ")
	switch {
	case x.srv.opts.Username == "":
		x.reply(502, "5.5.1 AUTH not offered")
		return
	case !x.helo || x.authUser != "" || x.hasFrom:
		x.reply(503, "5.5.1 AUTH not allowed now")
		return
	case !strings.EqualFold(mech, "PLAIN"):
		x.reply(504, "5.5.4 unrecognized authentication type")
		return
	}
	if initial == "" {
		x.reply(334, "")
		line, err := x.readLine()
		if err != nil {
			return
		}
		initial = line
	}
	if initial == "*" {
		x.reply(501, "5.7.0 authentication cancelled")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	parts := bytes.Split(raw, []byte{0})
	if err != nil || len(parts) != 3 {
		x.reply(501, "5.5.2 malformed AUTH PLAIN response")
		return
	}
	if string(parts[1]) != x.srv.opts.Username || string(parts[2]) != x.srv.opts.Password {
		x.reply(535, "5.7.8 authentication credentials invalid")
		return
	}
	x.authUser = string(parts[1])
	x.reply(235, "2.7.0 authentication successful")
}

func (x *session) mail(arg string) {
	path, ok := parsePath(arg, "FROM:")
	switch {
	case !ok:
		x.reply(501, "5.5.4 syntax: MAIL FROM:<address>")
	case !x.helo:
		x.reply(503, "5.5.1 send EHLO or HELO first")
	case x.srv.opts.Username != "" && x.authUser == "":
		x.reply(530, "5.7.0 authentication required")
	case x.hasFrom:
		x.reply(503, "5.5.1 nested MAIL command")
	default:
		x.from, x.hasFrom = path, true
		x.reply(250, "2.1.0 OK")
	}
}

func (x *session) rcpt(arg string) {
	path, ok := parsePath(arg, "TO:")
	switch {
	case !ok || path == "":
		x.reply(501, "5.5.4 syntax: RCPT TO:<address>")
	case !x.hasFrom:
		x.reply(503, "5.5.1 need MAIL before RCPT")
	case x.srv.opts.RejectRcpt != nil && x.srv.opts.RejectRcpt(path):
		x.reply(550, "5.1.1 <"+path+">: mailbox unavailable")
	default:
		x.to = append(x.to, path)
		x.reply(250, "2.1.5 OK")
	}
}

// data reads the message after DATA and reports whether the session goes on.
func (x *session) data() bool {
	if !x.hasFrom || len(x.to) == 0 {
		x.reply(503, "5.5.1 need MAIL and RCPT before DATA")
		return true
	}
	x.reply(354, "end data with <CR><LF>.<CR><LF>")
	body, tooBig, err := x.readData()
	if err != nil {
		return false
	}
	if tooBig {
		x.reply(552, "5.3.4 message too big")
		x.reset()
		return true
	}
	m := Received{From: x.from, To: x.to, Data: body, AuthUser: x.authUser, TLS: x.tls, Message: parse(body)}
	x.reset()
	if !x.srv.deliver(m) {
		return false
	}
	x.reply(250, "2.0.0 OK queued")
	return true
}

// readData reads lines up to the lone ".", removing one leading dot from
// each line that has one (RFC 5321 §4.5.2). Every line ends in CRLF.
func (x *session) readData() (body []byte, tooBig bool, err error) {
	var buf bytes.Buffer
	for {
		line, err := x.readLine()
		if err != nil && !errors.Is(err, errLineTooLong) {
			return nil, false, err
		}
		if line == "." {
			return buf.Bytes(), tooBig, nil
		}
		tooBig = tooBig || errors.Is(err, errLineTooLong) || buf.Len()+len(line) > maxData
		if !tooBig {
			buf.WriteString(strings.TrimPrefix(line, "."))
			buf.WriteString("\r\n")
		}
	}
}

func (x *session) reset() {
	x.from, x.hasFrom, x.to = "", false, nil
}

// readLine returns one line without its line end. A line longer than
// maxLine bytes (line end included) is consumed whole and reported with
// errLineTooLong.
func (x *session) readLine() (string, error) {
	var line []byte
	long := false
	for {
		chunk, err := x.r.ReadSlice('\n')
		if !long && len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		} else {
			long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return "", err
		}
		if long {
			return "", errLineTooLong
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r"), nil
	}
}

// reply writes a one- or multi-line reply and flushes it.
func (x *session) reply(code int, lines ...string) {
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		fmt.Fprintf(x.w, "%d%s%s\r\n", code, sep, l)
	}
	_ = x.w.Flush()
}

// parsePath parses "FROM:<path> params" or "TO:<path> params" and returns
// the path without angle brackets. The null path <> is allowed.
func parsePath(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}
