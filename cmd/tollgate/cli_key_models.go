package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// modelLimitFields are the fields of one model's limits, as the
// --model-limit flag names them.
var modelLimitFields = map[string]bool{"rpm": true, "tpm": true, "monthly_tokens": true, "monthly_credits": true}

// parseModelLimits turns repeated --model-limit flags into the admin API's
// model_limits object: MODEL=RPM, or MODEL=FIELD:VALUE,… with the fields
// rpm, tpm, monthly_tokens and monthly_credits (credits, a decimal; sent as
// micro-credits). The API validates names and values.
func parseModelLimits(cmd *cobra.Command, flags []string) (map[string]map[string]int64, error) {
	out := make(map[string]map[string]int64, len(flags))
	for _, f := range flags {
		name, v, ok := strings.Cut(f, "=")
		if !ok || name == "" || v == "" {
			return nil, usagef(cmd, "--model-limit %q: want MODEL=RPM or MODEL=rpm:N,tpm:N,monthly_tokens:N,monthly_credits:CREDITS, such as gpt-4o=10", f)
		}
		if _, dup := out[name]; dup {
			return nil, usagef(cmd, "--model-limit: model %q given twice", name)
		}
		l, err := parseModelLimit(cmd, f, v)
		if err != nil {
			return nil, err
		}
		out[name] = l
	}
	return out, nil
}

func parseModelLimit(cmd *cobra.Command, flag, v string) (map[string]int64, error) {
	if rpm, err := strconv.ParseInt(v, 10, 64); err == nil {
		return map[string]int64{"rpm": rpm}, nil
	}
	l := map[string]int64{}
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || !modelLimitFields[k] {
			return nil, usagef(cmd, "--model-limit %q: %q is not FIELD:VALUE with FIELD rpm, tpm, monthly_tokens or monthly_credits", flag, part)
		}
		if _, dup := l[k]; dup {
			return nil, usagef(cmd, "--model-limit %q: %s given twice", flag, k)
		}
		if k == "monthly_credits" {
			n, err := creditsToMicro(cmd, "--model-limit "+flag+": monthly_credits", val)
			if err != nil {
				return nil, err
			}
			l[k] = n
			continue
		}
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, usagef(cmd, "--model-limit %q: %s: want a whole number, got %q", flag, k, val)
		}
		l[k] = n
	}
	return l, nil
}
