package meter

import (
	"strings"
	"sync"
	"testing"
)

// TestReloadKeepsLastGoodTable: one bad entry must not take pricing down for everyone (LiteLLM #20615).
func TestReloadKeepsLastGoodTable(t *testing.T) {
	b, err := NewBook(section(t, "  models: {gpt-4o: {input: 2.5, output: 10}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	good := b.Load()
	bad := section(t, "  models: {gpt-4o: {input: 2.5, output: 10}}\n")
	bad.Models["o3"] = bad.Models["gpt-4o"]
	bad.Models["o3-*-x"] = bad.Models["gpt-4o"]
	err = b.Reload(bad)
	if err == nil || !strings.Contains(err.Error(), `pricing.models["o3-*-x"]: '*' may only end a model name`) {
		t.Fatalf("Reload(bad) = %v, want the error naming the entry", err)
	}
	if b.Load() != good {
		t.Fatal("a failed reload replaced the table")
	}
	if err := b.Reload(section(t, "  models: {gpt-4o: {input: 3, output: 10}}\n")); err != nil {
		t.Fatal(err)
	}
	if p, _ := b.Load().Price("gpt-4o"); p.Input != 3_000_000 {
		t.Fatalf("the good reload did not take effect: %+v", p)
	}
}

// TestReloadToNoSectionTurnsMeteringOff: removing the section from the file stops metering; so does a zero Book.
func TestReloadToNoSectionTurnsMeteringOff(t *testing.T) {
	b, err := NewBook(section(t, "  models: {m: {input: 1, output: 1}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(nil); err != nil || b.Load() != nil {
		t.Fatalf("Reload(nil) = %v, table %v; want metering off", err, b.Load())
	}
	var zero Book
	if _, ok := zero.Load().Price("anything"); !ok || zero.Load().Enabled() {
		t.Fatal("a zero Book must mean metering off")
	}
}

// TestNewBookRefusesAnInvalidSection: a process must not start charging by a table it could not read.
func TestNewBookRefusesAnInvalidSection(t *testing.T) {
	s := section(t, "  models: {m: {input: 1, output: 1}}\n")
	s.DefaultOutputTokens = 0
	if b, err := NewBook(s); b != nil || err == nil {
		t.Fatalf("NewBook = %v, %v; want an error", b, err)
	}
}

// TestReloadWhileReading: requests read the table while an operator reloads it; -race checks the swap.
func TestReloadWhileReading(t *testing.T) {
	a := section(t, "  models: {m: {input: 1, output: 1}}\n")
	c := section(t, "  models: {m: {input: 2, output: 2}}\n")
	b, err := NewBook(a)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				p, ok := b.Load().Price("m")
				if !ok || (p.Input != 1_000_000 && p.Input != 2_000_000) || p.Output != p.Input {
					t.Errorf("torn or missing price %+v, %v", p, ok)
					return
				}
			}
		}()
	}
	for i := range 200 {
		next := a
		if i%2 == 1 {
			next = c
		}
		if err := b.Reload(next); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
