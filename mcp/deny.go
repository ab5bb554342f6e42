package mcp

import "strconv"

// CodeDenied is the JSON-RPC error code of a tools/call refused by a tool
// policy. JSON-RPC 2.0 leaves -32000 to -32099 to implementation-defined
// server errors; MCP and its SDKs use -32002 (resource not found, before
// 2025-11-25), -32020 to -32022 (header mismatch, missing capabilities,
// unsupported version) and -32042 (URL elicitation required), and leave
// -32003 free. Gateways that answer policy denials in-band (agentgateway's
// proposal among them) use -32003 too. Clients show the message, which
// names the tool and the policy; error.data carries both as fields.
const CodeDenied = -32003

// CodeInternal is JSON-RPC's internal error, used when the gateway cannot
// relay a response it must rewrite (ErrOversized).
const CodeInternal = -32603

// ErrorResponse appends to dst a JSON-RPC 2.0 error response with the id
// (raw JSON; nil writes null), code and message, escaped as JSON.
func ErrorResponse(dst, id []byte, code int, msg string) []byte {
	dst = errorHead(dst, id, code, msg)
	return append(dst, "}}"...)
}

// DenyCall appends to dst the error response to a tools/call of tool, with
// request id id, that the policy named policy denies:
//
//	{"jsonrpc":"2.0","id":7,"error":{"code":-32003,
//	 "message":"tool \"delete_repo\" denied by policy \"acme/github\"",
//	 "data":{"tool":"delete_repo","policy":"acme/github"}}}
//
// A notification (no id) gets no response: do not send one for it.
func DenyCall(dst, id []byte, tool, policy string) []byte {
	var buf [256]byte
	msg := append(buf[:0], "tool "...)
	msg = appendString(msg, tool)
	msg = append(msg, " denied by policy "...)
	msg = appendString(msg, policy)
	dst = errorHead(dst, id, CodeDenied, alias(msg))
	dst = append(dst, `,"data":{"tool":`...)
	dst = appendString(dst, tool)
	dst = append(dst, `,"policy":`...)
	dst = appendString(dst, policy)
	return append(dst, "}}}"...)
}

// errorHead appends an error response up to the end of error.message.
func errorHead(dst, id []byte, code int, msg string) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	if len(id) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, id...)
	}
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `,"message":`...)
	return appendString(dst, msg)
}
