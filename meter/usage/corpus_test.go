package usage

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir holds the golden corpus: raw upstream responses and cases.json.
var corpusDir = filepath.Join("..", "..", "testdata", "usage")

// corpusCase is one entry of testdata/usage/cases.json.
type corpusCase struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Format string `json:"format"`
	Stream bool   `json:"stream"`
	Strip  bool   `json:"strip"`
	Why    string `json:"why"`
	Tokens struct {
		Input       int64 `json:"input"`
		Output      int64 `json:"output"`
		CachedRead  int64 `json:"cached_read"`
		CachedWrite int64 `json:"cached_write"`
		Reasoning   int64 `json:"reasoning"`
	} `json:"tokens"`
	Found    bool   `json:"found"`
	Complete bool   `json:"complete"`
	Errored  bool   `json:"errored"`
	Model    string `json:"model"`
	Client   string `json:"client"`
}

func (c *corpusCase) want() Result {
	t := c.Tokens
	return Result{Tokens: Tokens{Input: t.Input, Output: t.Output, CachedRead: t.CachedRead, CachedWrite: t.CachedWrite,
		Reasoning: t.Reasoning}, Found: c.Found, Complete: c.Complete, Errored: c.Errored, Model: c.Model}
}

func formatNamed(t testing.TB, name string) Format {
	for f := Unknown; f <= AnthropicMessages; f++ {
		if f.String() == name {
			return f
		}
	}
	t.Fatalf("unknown format %q", name)
	return Unknown
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		About string       `json:"about"`
		Cases []corpusCase `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	return m.Cases
}

func readCorpusFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feed runs s over chunks (after Reset) and returns what the client gets.
func feed(s *Stream, f Format, strip bool, chunks [][]byte) []byte {
	s.Reset(f, strip)
	var out []byte
	scratch := make([]byte, 0, 512)
	for _, c := range chunks {
		out = append(out, s.Process(scratch[:0], c)...)
	}
	return s.Flush(out)
}

// splits yields the ways the corpus cuts a stream into chunks: whole, every
// single cut, byte by byte, and random cuts from a fixed seed.
func splits(b []byte, yield func(name string, chunks [][]byte)) {
	yield("whole", [][]byte{b})
	for i := 1; i < len(b); i++ {
		yield("cut", [][]byte{b[:i], b[i:]})
	}
	bytewise := make([][]byte, len(b))
	for i := range b {
		bytewise[i] = b[i : i+1]
	}
	yield("bytewise", bytewise)
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var chunks [][]byte
		for rest := b; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(48))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		yield("random", chunks)
	}
}

// TestCorpus checks every golden case, streams under every split: usage must
// not depend on where the network cut the bytes, and the client must get
// exactly the upstream bytes, less only what strip mode removes.
func TestCorpus(t *testing.T) {
	for _, c := range loadCorpus(t) {
		t.Run(c.Name, func(t *testing.T) {
			f := formatNamed(t, c.Format)
			body := readCorpusFile(t, c.File)
			want := c.want()
			if !c.Stream {
				var r Result
				ParseJSON(f, body, &r)
				if r != want {
					t.Fatalf("ParseJSON = %+v, want %+v (%s)", r, want, c.Why)
				}
				return
			}
			client := body
			if c.Strip {
				client = readCorpusFile(t, c.Client)
			}
			var s Stream
			splits(body, func(how string, chunks [][]byte) {
				if got := feed(&s, f, c.Strip, chunks); !bytes.Equal(got, client) {
					t.Fatalf("%s split (%d chunks): client got\n%q\nwant\n%q", how, len(chunks), got, client)
				}
				if r := *s.Result(); r != want {
					t.Fatalf("%s split (%d chunks): %+v, want %+v (%s)", how, len(chunks), r, want, c.Why)
				}
				if got := feed(&s, f, false, chunks); !bytes.Equal(got, body) {
					t.Fatalf("%s split: pass-through changed the bytes", how)
				}
				if r := *s.Result(); r != want {
					t.Fatalf("%s split, pass-through: %+v, want %+v", how, r, want)
				}
			})
		})
	}
}

// TestCorpusCoversTheIssue keeps the corpus from silently losing the shapes
// the issue lists: each must stay a case.
func TestCorpusCoversTheIssue(t *testing.T) {
	need := map[string]bool{"openai-chat/json": false, "openai-chat/stream": false, "openai-chat/strip": false,
		"openai-responses/json": false, "openai-responses/stream": false, "openai-embeddings/json": false,
		"anthropic-messages/json": false, "anthropic-messages/stream": false}
	for _, c := range loadCorpus(t) {
		kind := "json"
		if c.Strip {
			kind = "strip"
		} else if c.Stream {
			kind = "stream"
		}
		need[c.Format+"/"+kind] = true
	}
	for k, ok := range need {
		if !ok {
			t.Errorf("no corpus case for %s", k)
		}
	}
}

// TestPassThroughReturnsPWithoutCopy checks that observing costs the proxy
// no copy and no allocation: Process returns p itself.
func TestPassThroughReturnsPWithoutCopy(t *testing.T) {
	for _, c := range loadCorpus(t) {
		if !c.Stream {
			continue
		}
		f := formatNamed(t, c.Format)
		body := readCorpusFile(t, c.File)
		var s Stream
		s.Reset(f, false)
		for i := 0; i < len(body); i += 100 {
			p := body[i:min(i+100, len(body))]
			got := s.Process(make([]byte, 0, 8), p)
			if len(got) != len(p) || &got[0] != &p[0] || cap(got) != cap(p) {
				t.Fatalf("%s: Process did not return p itself", c.Name)
			}
		}
		allocs := testing.AllocsPerRun(20, func() {
			s.Reset(f, false)
			for i := 0; i < len(body); i += 100 {
				s.Process(nil, body[i:min(i+100, len(body))])
			}
			s.Flush(nil)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per stream in pass-through, want 0", c.Name, allocs)
		}
	}
}
