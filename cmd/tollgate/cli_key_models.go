package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// parseModelLimits turns repeated --model-limit MODEL=RPM flags into the
// admin API's model_limits object. The API validates names and values.
func parseModelLimits(cmd *cobra.Command, flags []string) (map[string]map[string]int64, error) {
	out := make(map[string]map[string]int64, len(flags))
	for _, f := range flags {
		name, v, ok := strings.Cut(f, "=")
		rpm, err := strconv.ParseInt(v, 10, 64)
		if !ok || name == "" || err != nil {
			return nil, usagef(cmd, "--model-limit %q: want MODEL=RPM, such as gpt-4o=10", f)
		}
		if _, dup := out[name]; dup {
			return nil, usagef(cmd, "--model-limit: model %q given twice", name)
		}
		out[name] = map[string]int64{"rpm": rpm}
	}
	return out, nil
}
