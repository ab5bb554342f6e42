package usage

// fields are the members of one JSON object that metering reads, each the
// raw value of the key's last occurrence, nil when absent.
type fields struct {
	usage, model, err, typ, choices, response, message []byte

	nUsage int // occurrences of "usage"
	// cutFrom and cutTo bound the bytes whose removal deletes the last
	// "usage" member and one comma next to it, leaving valid JSON.
	cutFrom, cutTo int
}

// scanFields reads the object whose '{' is b[i], validating it, and returns
// its fields and the index just past it, or end = -1 when it is malformed.
// Indices in the fields are into b.
func scanFields(b []byte, i int) (f fields, end int) {
	m := newMembers(b, i, 1)
	var buf nameBuf
	cutNext := false
	for m.next() {
		if cutNext {
			f.cutTo, cutNext = m.keyStart, false
		}
		v := m.val()
		switch string(name(m.key, &buf)) {
		case "usage":
			f.usage = v
			f.nUsage++
			if m.n > 1 { // from the comma after the previous member
				f.cutFrom, f.cutTo = m.prevEnd, m.valEnd
			} else { // up to the next member, if any
				f.cutFrom, f.cutTo, cutNext = m.keyStart, m.valEnd, true
			}
		case "model":
			f.model = v
		case "error":
			f.err = v
		case "type":
			f.typ = v
		case "choices":
			f.choices = v
		case "response":
			f.response = v
		case "message":
			f.message = v
		}
	}
	return f, m.end
}

// errored reports whether the object is an error: a non-null "error"
// member or "type":"error".
func (f *fields) errored() bool {
	return f.err != nil && !isNull(f.err) || typeIs(f.typ, "error")
}

// typeIs reports whether the value v is the JSON string s.
func typeIs(v []byte, s string) bool {
	return len(v) >= 2 && v[0] == '"' && is(v[1:len(v)-1], s)
}

// member returns the value of the last member key of the object v, or nil
// when v is not an object or has no such member.
func member(v []byte, key string) []byte {
	if !isObject(v) {
		return nil
	}
	var out []byte
	var buf nameBuf
	for m := newMembers(v, 0, 1); m.next(); {
		if string(name(m.key, &buf)) == key {
			out = m.val()
		}
	}
	return out
}
