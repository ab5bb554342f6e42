package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// Load returns the configuration: Default, then the YAML file at path (none
// when path is empty), then the environment read through env (os.LookupEnv in
// production; nil reads no environment), then Validate. Every error names the
// field, and the file line or the environment variable it came from.
func Load(path string, env func(string) (string, bool)) (*Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := decodeYAML(filepath.Base(path), data, &cfg); err != nil {
			return nil, err
		}
	}
	if env != nil {
		if err := applyEnv(&cfg, env); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Parse is Load for YAML already in memory; name is used in error messages in
// place of the file name. It never reads the environment.
func Parse(name string, data []byte) (*Config, error) {
	cfg := Default()
	if err := decodeYAML(name, data, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}
