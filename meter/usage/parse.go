package usage

// ParseJSON reads the usage of a whole, non-streamed JSON response body in
// format f into r, replacing what r held. Complete is set when body is
// valid JSON; a body that is not (a truncated one) leaves r zero. It does
// not allocate, except for Model when it differs from r.Model on entry.
func ParseJSON(f Format, body []byte, r *Result) {
	last := r.Model
	*r = Result{}
	var fs fields
	end := -1
	i := skipWS(body, 0)
	if i < len(body) && body[i] == '{' {
		fs, end = scanFields(body, i)
	} else {
		end = skipValue(body, i, 0)
	}
	if end < 0 || skipWS(body, end) != len(body) {
		return
	}
	r.Complete = true
	readObject(f, &fs, r, last)
}

// readObject folds a response object (a whole body, a Responses event's
// "response", a chat chunk) into r: errors, model and, when its usage is an
// object, the tokens, replacing earlier ones. last is a model name seen
// before, reused instead of a new copy when it matches.
func readObject(f Format, fs *fields, r *Result, last string) {
	if fs.errored() {
		r.Errored = true
	}
	setModel(r, fs.model, last)
	if !isObject(fs.usage) {
		return
	}
	if t, ok := usageOf(f, fs.usage); ok {
		r.Tokens, r.Found = t, true
	}
}

// setModel sets r.Model from the value v unless it is set already or v is
// not a string. It copies v, unless v is last.
func setModel(r *Result, v []byte, last string) {
	if r.Model != "" || len(v) < 2 || v[0] != '"' {
		return
	}
	if raw := v[1 : len(v)-1]; string(raw) == last && !hasEscape(raw) {
		r.Model = last
		return
	}
	r.Model = stringValue(v)
}
