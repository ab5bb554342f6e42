package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// EnvPrefix starts the name of every environment override.
const EnvPrefix = "TOLLGATE_"

// applyEnv overrides cfg's fields from the environment. Each leaf field's
// variable is EnvPrefix followed by its dotted YAML path in upper case with
// dots as underscores: store.breaker.failures is TOLLGATE_STORE_BREAKER_FAILURES.
// lookup has the signature of os.LookupEnv.
func applyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	var errs []error
	walkLeaves(reflect.ValueOf(cfg).Elem(), "", func(v reflect.Value, path string) {
		name := envName(path)
		s, ok := lookup(name)
		if !ok {
			return
		}
		if err := setLeaf(v, s); err != nil {
			errs = append(errs, fmt.Errorf("config: environment %s (%s): %w", name, path, err))
		}
	})
	return errors.Join(errs...)
}

// envName returns the environment variable of the field at the dotted path.
func envName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// walkLeaves calls fn for every scalar field under v with its dotted path.
func walkLeaves(v reflect.Value, path string, fn func(reflect.Value, string)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		p := join(path, fieldKey(t.Field(i)))
		switch ft := t.Field(i).Type; {
		case ft.Kind() == reflect.Map || ft.Kind() == reflect.Pointer:
			continue // tables and optional sections (pricing) come only from the file
		case isLeaf(ft):
			fn(v.Field(i), p)
		default:
			walkLeaves(v.Field(i), p, fn)
		}
	}
}

// EnvNames returns every environment variable Load reads, in field order.
func EnvNames() []string {
	var names []string
	cfg := Default()
	walkLeaves(reflect.ValueOf(&cfg).Elem(), "", func(_ reflect.Value, path string) {
		names = append(names, envName(path))
	})
	return names
}
