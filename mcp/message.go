package mcp

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// errSyntax marks a walk that stopped on malformed JSON; invalid turns it
// into ErrInvalidJSON with encoding/json's description.
var errSyntax = errors.New("mcp: syntax error")

// The top-level members message reads, one bit each.
const (
	mJSONRPC = 1 << iota
	mMethod
	mID
	mParams
	mResult
	mError
)

// memberNames are the names of the bits above, in bit order.
var memberNames = [...]string{"jsonrpc", "method", "id", "params", "result", "error"}

// memberBit returns the bit of the member key names, or 0.
func memberBit(key []byte) int {
	for i, name := range memberNames {
		if keyIs(key, name) {
			return 1 << i
		}
	}
	return 0
}

// message reads the object whose '{' is b[start], nested depth containers
// deep, and returns what it says and the index just past it.
func message(b []byte, start, depth int) (c Call, end int, err error) {
	var seen, params, method int
	var result, errv bool
	m := objectAt(b, start, depth)
	for m.next() {
		bit := memberBit(m.key)
		if bit == 0 {
			continue
		}
		if seen&bit != 0 {
			return c, 0, fmt.Errorf("%w %q", ErrDuplicateMember, memberNames[bits.TrailingZeros(uint(bit))])
		}
		seen |= bit
		switch bit {
		case mMethod:
			method = m.valStart
		case mID:
			c.ID = m.val()
		case mParams:
			params = m.valStart
		case mResult:
			result = true
		case mError:
			errv = true
		}
	}
	if m.end < 0 {
		return c, 0, errSyntax
	}
	c.Start, c.End = start, m.end
	switch {
	case seen&mMethod != 0:
		err = c.request(b, method, params, seen&mParams != 0, depth)
	case result || errv:
		c.Kind = Response
	default:
		err = fmt.Errorf("%w: missing method (and no result or error)", ErrNotMessage)
	}
	return c, m.end, err
}

// request fills in a request or notification whose method value starts
// at b[method] and whose params, when present, start at b[params].
func (c *Call) request(b []byte, method, params int, hasParams bool, depth int) error {
	if b[method] != '"' {
		return fmt.Errorf("%w: method is %s, not a string", ErrBadMember, jsonType(b, method))
	}
	c.Method = canonMethod(str(b[method:skipString(b, method)]))
	c.Kind = Notification
	if c.ID != nil {
		if err := checkID(c.ID); err != nil {
			return err
		}
		c.Kind = Request
	}
	field := nameField(c.Method)
	if field == "" {
		return nil
	}
	if hasParams && b[params] == '{' {
		v, err := paramsMember(b, params, depth+1, field)
		if err != nil {
			return err
		}
		if len(v) > 0 && v[0] == '"' {
			c.Name = str(v)
		}
	}
	if c.Method != "tools/call" {
		return nil
	}
	if c.Name == "" {
		return fmt.Errorf("%w: tools/call without a non-empty string params.name", ErrBadMember)
	}
	c.Tool = c.Name
	return nil
}

// checkID checks a request id: a string or an integer within ±maxSafeInt.
func checkID(id []byte) error {
	switch c := id[0]; {
	case c == '"':
		return nil
	case isNumberStart(c):
		if _, ok := intValue(id); ok {
			return nil
		}
		return fmt.Errorf("%w: id %s is not an integer within ±(2^53 − 1)", ErrBadMember, id)
	}
	return fmt.Errorf("%w: id is %s, not a string or an integer", ErrBadMember, jsonType(id, 0))
}

// canonMethods are the methods the gateway reads the params of or applies
// policies to.
var canonMethods = [...]string{"tools/call", "tools/list", "prompts/get", "resources/read", "resources/subscribe", "resources/unsubscribe"}

// canonMethod returns m, or the method of canonMethods it equals ignoring
// case (Unicode simple folding, as strings.EqualFold): an upstream that
// dispatches methods ignoring case must not run "Tools/Call" past the
// policy for tools/call.
func canonMethod(m string) string {
	for _, c := range canonMethods {
		if len(m) >= len(c) && len(m) <= 3*len(c) && strings.EqualFold(m, c) {
			return c
		}
	}
	return m
}

// nameField returns the params member the method's Mcp-Name header
// mirrors, or "".
func nameField(method string) string {
	switch method {
	case "tools/call", "prompts/get":
		return "name"
	case "resources/read", "resources/subscribe", "resources/unsubscribe":
		return "uri"
	}
	return ""
}

// paramsMember returns the value of the member field of the params
// object whose '{' is b[i], or nil; a repeated field is an error.
func paramsMember(b []byte, i, depth int, field string) ([]byte, error) {
	var v []byte
	m := objectAt(b, i, depth)
	for m.next() {
		if !keyIs(m.key, field) {
			continue
		}
		if v != nil {
			return nil, fmt.Errorf("%w \"params.%s\"", ErrDuplicateMember, field)
		}
		v = m.val()
	}
	return v, nil
}
