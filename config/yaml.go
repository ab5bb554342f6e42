package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeYAML applies the YAML document in data to cfg. It decodes into a
// yaml.Node and walks it against cfg's struct fields itself, rather than
// decoding straight into the struct with KnownFields, so that every error
// names the field's full dotted path and its line, and every problem in the
// file is reported at once instead of only the first.
func decodeYAML(file string, data []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config: %s: %w", file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty file or only comments
		return nil
	}
	w := walker{file: file}
	w.value(doc.Content[0], reflect.ValueOf(cfg).Elem(), "")
	return errors.Join(w.errs...)
}

// walker collects every problem of one document.
type walker struct {
	file string
	errs []error
}

func (w *walker) fail(n *yaml.Node, path, format string, args ...any) {
	where := fmt.Sprintf("%s:%d:%d", w.file, n.Line, n.Column)
	if path == "" {
		path = "(top level)"
	}
	w.errs = append(w.errs, fmt.Errorf("config: %s: %s: %s", where, path, fmt.Sprintf(format, args...)))
}

// value applies node n to v, the field at path.
func (w *walker) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			w.fail(n, path, "unresolved alias")
			return
		}
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value keeps the default
	}
	if isLeaf(v.Type()) {
		if n.Kind != yaml.ScalarNode {
			w.fail(n, path, "want a single value, got %s", kindName(n.Kind))
			return
		}
		if err := setLeaf(v, n.Value); err != nil {
			w.fail(n, path, "%v", err)
		}
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(newSection(v.Type().Elem()))
		}
		w.value(n, v.Elem(), path)
		return
	}
	if n.Kind != yaml.MappingNode {
		w.fail(n, path, "want a mapping of fields, got %s", kindName(n.Kind))
		return
	}
	if v.Kind() == reflect.Map {
		w.entries(n, v, path)
		return
	}
	w.mapping(n, v, path)
}

// newSection returns a pointer to a new section of type t, filled with its
// defaults when it has a setDefaults method.
func newSection(t reflect.Type) reflect.Value {
	p := reflect.New(t)
	if d, ok := p.Interface().(interface{ setDefaults() }); ok {
		d.setDefaults()
	}
	return p
}

// entries applies the key/value pairs of n to the map v, whose keys are
// names chosen by the operator (a model, an upstream); an entry's path is
// path["key"].
func (w *walker) entries(n *yaml.Node, v reflect.Value, path string) {
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := w.key(k, path, seen, func(key string) string { return path + index(key) })
		if !ok {
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		w.value(val, elem, path+index(key))
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	}
}

// key returns the name of mapping key k, or false after reporting a key
// that is not a plain name, a merge key or a repeated name; child gives the
// path of the key's value.
func (w *walker) key(k *yaml.Node, path string, seen map[string]bool, child func(string) string) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		w.fail(k, path, "keys must be plain names, got %s", kindName(k.Kind))
		return "", false
	}
	if k.Tag == "!!merge" {
		w.fail(k, path, "merge keys (<<) are not supported")
		return "", false
	}
	if seen[k.Value] {
		w.fail(k, child(k.Value), "set twice")
		return "", false
	}
	seen[k.Value] = true
	return k.Value, true
}

// mapping applies the key/value pairs of n to the struct v.
func (w *walker) mapping(n *yaml.Node, v reflect.Value, path string) {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := w.key(k, path, seen, func(key string) string { return join(path, key) })
		if !ok {
			continue
		}
		f, ok := fieldByKey(v, key)
		if !ok {
			w.fail(k, join(path, key), "unknown field (known: %s)", strings.Join(knownKeys(v.Type()), ", "))
			continue
		}
		w.value(val, f, join(path, key))
	}
}

func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if fieldKey(t.Field(i)) == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func knownKeys(t reflect.Type) []string {
	keys := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		keys = append(keys, fieldKey(t.Field(i)))
	}
	return keys
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an alias"
}
