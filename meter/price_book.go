package meter

import (
	"sync/atomic"

	"github.com/tollgate-dev/tollgate/config"
)

// Book holds the price table in force. Readers take the current table with
// Load (one atomic load, no lock) and keep using it for the whole request;
// Reload swaps in a new one. The zero Book holds a nil table: metering off.
// It is safe for concurrent use.
type Book struct {
	cur atomic.Pointer[Table]
}

// NewBook returns a Book holding the table of section (nil: metering off).
func NewBook(section *config.PricingConfig) (*Book, error) {
	t, err := NewTable(section)
	if err != nil {
		return nil, err
	}
	b := &Book{}
	b.cur.Store(t)
	return b, nil
}

// Load returns the table in force; nil means metering is off.
func (b *Book) Load() *Table { return b.cur.Load() }

// Reload builds the table of section and puts it in force. A section that
// does not validate changes nothing: the last good table stays, and the
// error names every bad entry and field. A nil section turns metering off.
func (b *Book) Reload(section *config.PricingConfig) error {
	t, err := NewTable(section)
	if err != nil {
		return err
	}
	b.cur.Store(t)
	return nil
}
