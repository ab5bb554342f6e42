package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// decodeBody reads r's JSON body into dst, a pointer to a request struct. It
// refuses a body over MaxBodyBytes (413), an empty body, malformed JSON,
// trailing data, unknown fields (unknown_field, naming the field's path) and
// values of the wrong type (invalid_request, naming the field).
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge,
			"request body exceeds %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return errInvalid("could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errInvalid("a JSON request body is required")
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		return jsonError(err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return errInvalid("the request body must be a JSON object")
	}
	if err := checkFields(generic, reflect.TypeOf(dst).Elem(), ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a second guard; checkFields has named them already
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into an invalid_request that names the
// field or the offset.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errInvalid("the request body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		return errInvalid("%s: want %s, got JSON %s", orBody(typ.Field), jsonKind(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errInvalid("the request body is truncated JSON")
	}
	return errInvalid("the request body is not valid JSON")
}

// checkFields walks a generically decoded JSON value against t and refuses
// the first key (in sorted order, so the answer is stable) that t lacks.
func checkFields(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil // the typed decode reports the type mismatch
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := jsonField(t, k)
			if !ok {
				return newError(http.StatusBadRequest, CodeUnknownField,
					"unknown field %q; this endpoint accepts: %s", join(path, k), strings.Join(jsonNames(t), ", "))
			}
			if err := checkFields(x[k], f.Type, join(path, k)); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() == reflect.Slice {
			for _, e := range x {
				if err := checkFields(e, t.Elem(), path+"[]"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// jsonField finds the field of t whose JSON name is exactly name. Exact,
// because encoding/json's case-insensitive matching would let "Name" pass.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if g, ok := jsonField(f.Type, name); ok {
				return g, true
			}
			continue
		}
		if jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonName(f reflect.StructField) string {
	n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return n
}

func jsonNames(t reflect.Type) []string {
	names := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			names = append(names, jsonNames(f.Type)...)
			continue
		}
		names = append(names, jsonName(f))
	}
	return names
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orBody(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}
