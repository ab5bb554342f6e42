package admin

import "strings"

// neutralize defends every cell of a CSV record against formula injection
// (OWASP "CSV Injection"), in place, and returns rec: a cell that a
// spreadsheet would read as a formula gets a leading apostrophe (see
// csvCell). Every CSV export writes its records through it.
func neutralize(rec []string) []string {
	for i, c := range rec {
		rec[i] = csvCell(c)
	}
	return rec
}

// csvCell returns s, prefixed with ' when it starts with a character that
// makes a spreadsheet evaluate it (= + - @) or that some spreadsheets skip
// before one (tab, carriage return). A plain decimal number such as -1.5,
// which every spreadsheet reads as a number, is left alone so that
// negative amounts stay numbers. Cells the export formats itself (counts,
// times) never start with a dangerous character; names, routes, models,
// tools and labels come from users and upstreams and may.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] == '-' && isDecimal(s[1:]) {
			return s
		}
		return "'" + s
	}
	return s
}

// isDecimal reports whether s is digits with at most one decimal point
// between digits: 12, 0.5; not "", "1.", ".5" or "1e3".
func isDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return whole != "" && allDigits(whole) && (!dot || frac != "" && allDigits(frac))
}
