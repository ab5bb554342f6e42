package redisstore_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	"github.com/tollgate-dev/tollgate/limiter"
	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/token"
)

// keptKey matches the keys that are kept without a TTL, with the reason
// in doc.go: records, settings, the balance and ledger, and the holds
// that the held credits account for.
var keptKey = regexp.MustCompile(`^(tg:workspaces|\{tg:v\}:.*|\{w:[0-9A-Za-z]+\}:(ws|tok:.*|tokid:.*|mem:.*|up:.*|members|tokens|upstreams|credits|ledger|ledger:e|ledger:u|holds|holds:d|webhooks))$`)

// ttlBound gives the longest PTTL of each kind of expiring key.
var ttlBound = []struct {
	re  *regexp.Regexp
	max time.Duration
}{
	{regexp.MustCompile(`:rl:`), limiter.Window + 2*limiter.BucketWidth},
	{regexp.MustCompile(`:cap:`), 70 * 24 * time.Hour},
	{regexp.MustCompile(`:use:`), 400 * 24 * time.Hour},
	{regexp.MustCompile(`:stl:`), 24 * time.Hour},
	{regexp.MustCompile(`:(req|dlv|dlv:e)$`), redisstore.DefaultRequestRetention + 24*time.Hour},
}

// TestMoneyKeysHaveTTL: after admissions with holds, caps and token
// limits, settlements, a cap notice, credits, a voucher and a delivery,
// every key expires on its own except the kept ones (Kong #14995).
func TestMoneyKeysHaveTTL(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{}) // Redis TIME: the production clock
	f := seedMoney(t, s)
	ctx := context.Background()
	h := limiter.Hold{Credits: 1000, Input: 10, Output: 10}
	for _, tk := range []*store.Token{f.member, f.key} {
		rid := newRID()
		if d := f.admitHold(t, s, tk, rid, h); d.Outcome != limiter.Allowed || d.Held != h {
			t.Fatalf("admit %v: %+v", tk.Kind, d)
		}
		f.settle(t, s, tk, rid, 800, store.Tokens{Input: 9, Output: 12})
		f.admitHold(t, s, tk, newRID(), h) // left held
	}
	f.settle(t, s, f.key, newRID(), 5, store.Tokens{}) // no hold: a marker
	must(t, s.UpdateTokenLimits(ctx, f.ws, f.key.ID, store.TokenLimits{
		ModelLimits: map[string]store.ModelLimit{moneyModel: {MonthlyTokens: 1}}}))
	if d := f.admitHold(t, s, f.key, newRID(), h); d.Outcome != limiter.SpendCapped || !d.CapNotice {
		t.Fatalf("over the per-model token cap: %+v", d)
	}
	must(t, s.CreateWebhook(ctx, &store.Webhook{WorkspaceID: f.ws, URL: "https://x", Secret: "s"}))
	must(t, s.RecordDelivery(ctx, &store.Delivery{ID: "e1.1", WebhookID: "w", WorkspaceID: f.ws, Event: "credits.low"}))
	code := token.HashOf([]byte("code"))
	must(t, s.CreateVoucher(ctx, &store.Voucher{ID: token.NewID(), Hash: code, Amount: 5, ExpiresAt: time.Now().Add(time.Hour)}))
	if _, _, err := s.RedeemVoucher(ctx, f.ws, code, "operator"); err != nil {
		t.Fatal(err)
	}
	checkKeyTTLs(t, rawClient(t, srv), []string{":cap:", ":use:", ":stl:", ":req", ":dlv", ":rl:mt:", ":rl:kt:", ":rl:wt", ":rl:kmt:", ":holds"})
}

// checkKeyTTLs fails unless every key is kept (keptKey) or expires within
// its bound, and a key of each kind in want exists.
func checkKeyTTLs(t *testing.T, c *redis.Client, want []string) {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "*").Result()
	must(t, err)
	t.Logf("%d keys", len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		for _, w := range want {
			if strings.Contains(k, w) {
				seen[w] = true
			}
		}
		ttl, err := c.PTTL(ctx, k).Result()
		must(t, err)
		if keptKey.MatchString(k) {
			if ttl >= 0 {
				t.Errorf("%s: kept key has PTTL %v", k, ttl)
			}
			continue
		}
		bound := time.Duration(0)
		for _, b := range ttlBound {
			if b.re.MatchString(k) {
				bound = b.max
				break
			}
		}
		if ttl <= 0 || bound == 0 || ttl > bound {
			t.Errorf("%s: PTTL %v, want in (0, %v]", k, ttl, bound)
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no %s key among %v", w, keys)
		}
	}
}

// TestOneEvalshaPerMoneyAdmitAndSettle: an admission that checks caps,
// token limits and the balance and makes a hold is one EVALSHA, and so is
// its settlement, seen from the client and from the server.
func TestOneEvalshaPerMoneyAdmitAndSettle(t *testing.T) {
	srv := redistest.Start(t)
	c := rawClient(t, srv)
	hook := &countHook{}
	c.AddHook(hook)
	s := open(t, srv, redisstore.Options{Client: c})
	f := seedMoney(t, s)
	h := limiter.Hold{Credits: 1000, Input: 10, Output: 10}
	warm := newRID() // loads both scripts on the server
	f.admitHold(t, s, f.key, warm, h)
	f.settle(t, s, f.key, warm, 1, store.Tokens{})
	const n = 20
	beforeSrv, before := evalshaCalls(t, c), hook.n.Load()
	for i := range n {
		tk := f.member
		if i%2 == 1 {
			tk = f.key
		}
		rid := newRID()
		if d := f.admitHold(t, s, tk, rid, h); d.Outcome != limiter.Allowed || d.Held != h {
			t.Fatalf("admit: %+v", d)
		}
		if r := f.settle(t, s, tk, rid, 900, store.Tokens{Input: 5}); !r.Settled {
			t.Fatalf("settle: %+v", r)
		}
	}
	sent, srvCalls := hook.n.Load()-before, evalshaCalls(t, c)-beforeSrv
	if sent != 2*n || srvCalls != 2*n {
		t.Fatalf("%d admits and settles sent %d commands and raised cmdstat_evalsha by %d; want %d and %d", n, sent, srvCalls, 2*n, 2*n)
	}
}

// TestMoneyScriptsSurviveScriptFlush: after SCRIPT FLUSH (or a restart)
// Settle, Credits and AddCredits still work, via EVAL.
func TestMoneyScriptsSurviveScriptFlush(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seedMoney(t, s)
	c, ctx := rawClient(t, srv), context.Background()
	rid := newRID()
	f.admitHold(t, s, f.member, rid, limiter.Hold{Credits: 100})
	must(t, c.ScriptFlush(ctx).Err())
	if r := f.settle(t, s, f.member, rid, 70, store.Tokens{}); !r.Settled || r.Balance != 1000*store.MicroPerCredit-70 {
		t.Fatalf("settle after SCRIPT FLUSH: %+v", r)
	}
	must(t, c.ScriptFlush(ctx).Err())
	if cr, err := s.Credits(ctx, f.ws); err != nil || cr.Held != 0 {
		t.Fatalf("credits after SCRIPT FLUSH: %+v %v", cr, err)
	}
	must(t, c.ScriptFlush(ctx).Err())
	if _, err := s.AddCredits(ctx, f.ws, &store.Transaction{Kind: store.TxTopUp, Amount: 1}); err != nil {
		t.Fatalf("add credits after SCRIPT FLUSH: %v", err)
	}
}
