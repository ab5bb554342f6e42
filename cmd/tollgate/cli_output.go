package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// column is one table column: its header and the dotted JSON path of its value.
type column struct{ header, path string }

func cols(pairs ...string) []column {
	out := make([]column, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, column{pairs[i], pairs[i+1]})
	}
	return out
}

// start validates the global flags and returns a client.
func (e *cliEnv) start(cmd *cobra.Command, needAuth bool) (*client, error) {
	if e.output != "table" && e.output != "json" {
		return nil, usagef(cmd, "-o/--output: want table or json, got %q", e.output)
	}
	return e.client(needAuth)
}

func (e *cliEnv) json() bool { return e.output == "json" }

// show prints an API reply: as is with -o json; otherwise the list's items
// (or the single object found at root, "" for the whole reply) as a table.
func (e *cliEnv) show(cmd *cobra.Command, raw []byte, root string, columns []column) error {
	out := cmd.OutOrStdout()
	if e.json() {
		_, err := out.Write(raw)
		if len(raw) > 0 && raw[len(raw)-1] != '\n' {
			io.WriteString(out, "\n")
		}
		return err
	}
	v, err := decode(raw)
	if err != nil {
		return err
	}
	if root != "" {
		v = lookup(v, root)
	}
	rows := []any{v}
	if list, ok := v.([]any); ok {
		rows = list
	} else if m, ok := v.(map[string]any); ok {
		if items, ok := m["items"].([]any); ok {
			rows = items
			defer hintMore(cmd, m)
		}
	}
	return table(out, rows, columns)
}

// hintMore tells people how to fetch the next page of a list.
func hintMore(cmd *cobra.Command, page map[string]any) {
	if c, _ := page["next_cursor"].(string); c != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "More results: add --cursor %s\n", c)
	}
}

func decode(raw []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the admin API sent a reply that is not JSON: %w", err)
	}
	return v, nil
}

// table writes rows as tab-aligned columns with a header line.
func table(w io.Writer, rows []any, columns []column) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := make([]string, len(columns))
	for i, c := range columns {
		hdr[i] = c.header
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for _, r := range rows {
		cells := make([]string, len(columns))
		for i, c := range columns {
			cells[i] = cell(lookup(r, c.path))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// lookup follows a dotted path through nested JSON objects; nil when absent.
func lookup(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// cell formats one JSON value for a table: times to the minute in UTC,
// lists comma-separated, absent values as "-".
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			if t.IsZero() {
				return "-"
			}
			return t.UTC().Format("2006-01-02 15:04")
		}
		return strings.Map(printable, x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = cell(e)
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ",")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		return fmt.Sprint(x)
	}
}

// printable replaces control characters so that a value cannot break the
// table or the terminal.
func printable(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return '?'
	}
	return r
}

// showSecret prints a secret shown once, then a one-line warning on stderr.
func showSecret(cmd *cobra.Command, label, secret string) {
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", label, secret)
	fmt.Fprintf(cmd.ErrOrStderr(), "Save the %s now: it is shown only once.\n", label)
}

// secretAt returns the string at path in raw, "" when absent.
func secretAt(raw []byte, path string) string {
	v, err := decode(raw)
	if err != nil {
		return ""
	}
	s, _ := lookup(v, path).(string)
	return s
}

// showCreated prints a reply that carries a secret at secretPath: the table
// (or the JSON as is), then the secret once with its warning.
func (e *cliEnv) showCreated(cmd *cobra.Command, raw []byte, root string, columns []column, label, secretPath string) error {
	if err := e.show(cmd, raw, root, columns); err != nil {
		return err
	}
	secret := secretAt(raw, secretPath)
	if secret == "" {
		return nil
	}
	if e.json() {
		fmt.Fprintf(cmd.ErrOrStderr(), "Save the %s now: it is shown only once.\n", label)
		return nil
	}
	showSecret(cmd, label, secret)
	return nil
}

// done finishes a command whose reply people need not read: -o json prints
// the reply as is (nothing for an empty one); otherwise one line of text.
func (e *cliEnv) done(cmd *cobra.Command, raw []byte, format string, args ...any) error {
	if e.json() {
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil
		}
		return e.show(cmd, raw, "", nil)
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), format+"\n", args...)
	return err
}
