package token

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestNewTokensParseBack: every kind round-trips and carries its workspace.
func TestNewTokensParseBack(t *testing.T) {
	ws := NewID()
	for _, k := range []Kind{Member, Key, Operator, Invite} {
		tok, err := New(k, ws)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != Len || !strings.HasPrefix(tok, k.Prefix()) {
			t.Fatalf("%v token %q has wrong shape", k, tok)
		}
		p, err := Parse([]byte(tok))
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		if p.Kind != k || string(p.Workspace) != ws {
			t.Fatalf("parsed %+v, want kind %v workspace %s", p, k, ws)
		}
	}
}

// TestParseRefusesMalformed: each malformation is refused with its own error.
func TestParseRefusesMalformed(t *testing.T) {
	good, _ := New(Member, NewID())
	flip := []byte(good)
	flip[30] ^= 0x01 // '0'<->'1', 'a'<->'`' … keep it base62 by choosing a digit below
	if digit(flip[30]) < 0 {
		flip[30] = '7'
		if good[30] == '7' {
			flip[30] = '8'
		}
	}
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrLength},
		{"truncated", good[:Len-1], ErrLength},
		{"10KB", strings.Repeat("a", 10<<10), ErrLength},
		{"wrong prefix", "sk-_" + good[4:], ErrPrefix},
		{"non-UTF-8", good[:20] + "\xff" + good[21:], ErrAlphabet},
		{"typo", string(flip), ErrChecksum},
		{"bad checksum", good[:Len-1] + string(alphabet[(digit(good[Len-1])+1)%62]), ErrChecksum},
	}
	for _, c := range cases {
		if _, err := Parse([]byte(c.in)); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestRandomPartIsUnbiasedAlphabet: secrets use all 62 digits and differ.
func TestRandomPartIsUnbiasedAlphabet(t *testing.T) {
	seen := map[byte]bool{}
	prev := ""
	for i := 0; i < 200; i++ {
		tok, _ := New(Key, NewID())
		if tok == prev {
			t.Fatal("two equal tokens")
		}
		prev = tok
		for _, c := range []byte(tok[DisplayLen : Len-checksumLen]) {
			seen[c] = true
		}
	}
	if len(seen) != 62 {
		t.Fatalf("secret used %d distinct digits, want 62", len(seen))
	}
}

// TestFromHeadersPreference: Authorization Bearer, then x-api-key, then api-key.
func TestFromHeadersPreference(t *testing.T) {
	h := map[string]string{"Authorization": "Bearer  abc ", "X-Api-Key": "k", "Api-Key": "a"}
	get := func(n string) []byte { return []byte(h[n]) }
	if got := FromHeaders(get); string(got) != "abc" {
		t.Fatalf("got %q", got)
	}
	h["Authorization"] = "Basic xyz"
	if got := FromHeaders(get); got != nil {
		t.Fatalf("non-bearer Authorization must not fall through, got %q", got)
	}
	delete(h, "Authorization")
	if got := FromHeaders(get); string(got) != "k" {
		t.Fatalf("got %q", got)
	}
	delete(h, "X-Api-Key")
	if got := FromHeaders(get); string(got) != "a" {
		t.Fatalf("got %q", got)
	}
}

func FuzzParse(f *testing.F) {
	good, _ := New(Member, NewID())
	f.Add([]byte(good))
	f.Add([]byte("mwt_"))
	f.Add(bytes.Repeat([]byte{0xff}, Len))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		if p.Kind == 0 || len(p.Workspace) != idLen || len(b) != Len {
			t.Fatalf("accepted %q as %+v", b, p)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	tok := []byte(mustNew(b))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(tok); err != nil {
			b.Fatal(err)
		}
		_ = HashOf(tok)
	}
}

func mustNew(tb testing.TB) string {
	tok, err := New(Member, NewID())
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}
