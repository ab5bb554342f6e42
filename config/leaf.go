package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var durationType = reflect.TypeFor[time.Duration]()

// setLeaf parses s into the scalar field v. The YAML loader and the
// environment share it, so both accept exactly the same spellings. Its error
// describes the value and the expected form but never the field: callers add
// the field's name and position.
func setLeaf(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want a Go duration such as \"75ms\" or \"2s\", got %q", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 0, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want an integer, got %q", s)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported field type %s", v.Type()) // a programming error, caught by tests
	}
	return nil
}

// isLeaf reports whether t is set from one scalar rather than a mapping: a
// struct is a section, a map a table of entries, a pointer an optional
// section (nil when the file omits it).
func isLeaf(t reflect.Type) bool {
	k := t.Kind()
	return k != reflect.Struct && k != reflect.Map && k != reflect.Pointer
}

// fieldKey returns the YAML key of struct field f.
func fieldKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// join returns the dotted path of key under prefix.
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}
