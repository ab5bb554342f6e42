package cliconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Config is what `tollgate login` saves. The zero value is "not logged in".
type Config struct {
	Addr  string `json:"addr"`  // admin API base URL, e.g. http://127.0.0.1:9090
	Token string `json:"token"` // operator (tgo_) or member (mwt_) token; a secret
}

// Path returns the config file path. getenv has the signature of os.Getenv;
// home is the user's home directory, used when XDG_CONFIG_HOME is unset.
func Path(getenv func(string) string, home string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home == "" {
			return "", errors.New("cliconfig: neither XDG_CONFIG_HOME nor a home directory is set")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tollgate", "config.json"), nil
}

// Load reads the config at path. A missing file is the zero Config, not an
// error: the address and token may come from flags or the environment.
func Load(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("cliconfig: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("cliconfig: %s: %w", path, err)
	}
	return c, nil
}

// Save writes c to path atomically with mode 0600, creating its directory
// with mode 0700. An existing file of a looser mode is tightened.
func Save(path string, c Config) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json") // CreateTemp opens with mode 0600
	if err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("cliconfig: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cliconfig: %w", err)
	}
	return nil
}
