package gateway_test

import (
	"testing"
)

// TestDearerOfRequestAndResponseModelCharged checks that a request is
// charged at the dearer of the price of the model it named and that of the
// model the answer names, when the table lists both: naming a cheap model
// that the upstream maps to a dear one (an alias, a router) does not make
// the dear one cheap. An answer naming an unlisted model keeps the
// request's price.
func TestDearerOfRequestAndResponseModelCharged(t *testing.T) {
	backends(t, func(t *testing.T, open func(testing.TB, mopts) *menv) {
		e := open(t, mopts{credits: hundred})
		up := newUnnamedLLM(t)
		e.addUpstream("openai", up.URL)
		cases := []struct{ named, answered, priceOf string }{
			{"gpt-test", "claude-test", "claude-test"}, // the answer's model is dearer
			{"claude-test", "gpt-test", "claude-test"}, // the request's model is dearer
			{"gpt-test", "gpt-test-2025", "gpt-test"},  // the answer's model is not listed
		}
		var spent int64
		for i, c := range cases {
			_ = readAll(t, e.post("/openai/v1/responses?model="+c.answered, `{"model":"`+c.named+`","input":"hi"}`).Body)
			rec := e.settled(i + 1)[0]
			want := e.cost(c.priceOf, responsesTokens)
			if rec.Cost != want || rec.Model != c.named {
				t.Fatalf("named %s, answered %s: record %+v, want cost %d at %s's price", c.named, c.answered, rec, want, c.priceOf)
			}
			spent += want
		}
		if c := e.credits(); c.Balance != hundred-spent || c.Held != 0 {
			t.Fatalf("credits %+v, want balance %d", c, hundred-spent)
		}
	})
}
