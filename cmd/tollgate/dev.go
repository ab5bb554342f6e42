package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/devmode"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

const (
	devWorkspace   = "demo"
	devOwnerEmail  = "owner@demo.local"
	devMemberEmail = "member@demo.local"
	devLLM         = "openai"
	devMCP         = "mcp-demo"
)

// devSeed is what --dev prints: the tokens minted for this run.
type devSeed struct {
	workspace   string
	ownerToken  string
	memberToken string
}

// seedDev makes the demo workspace, its two members and its two upstreams
// exist, pointing the upstreams at this run's demo servers. It reuses what a
// previous run left in the data directory. Tokens are stored only as hashes,
// so each run rotates the demo members' tokens and prints the new ones.
func seedDev(ctx context.Context, st store.Store, srv *devmode.Servers, now time.Time) (*devSeed, error) {
	ws, err := devWorkspaceOf(ctx, st, now)
	if err != nil {
		return nil, err
	}
	ups := []store.Upstream{
		// The SDK convention: base URL https://gateway/openai/v1 reaches <upstream>/v1.
		{WorkspaceID: ws.ID, Name: devLLM, Kind: store.KindLLM, BaseURL: strings.TrimSuffix(srv.OpenAIURL, "/v1"), Credential: srv.OpenAICredential, CreatedAt: now},
		{WorkspaceID: ws.ID, Name: devMCP, Kind: store.KindMCP, BaseURL: srv.MCPURL, Credential: srv.MCPCredential, CreatedAt: now},
	}
	for i := range ups {
		if err := st.PutUpstream(ctx, &ups[i]); err != nil {
			return nil, err
		}
	}
	if err := giveDevCredits(ctx, st, ws.ID); err != nil {
		return nil, err
	}
	seed := &devSeed{workspace: ws.ID}
	for _, m := range []struct {
		email, role string
		tok         *string
	}{{devOwnerEmail, "owner", &seed.ownerToken}, {devMemberEmail, "member", &seed.memberToken}} {
		member, err := devMemberOf(ctx, st, ws.ID, m.email, m.role, now)
		if err != nil {
			return nil, err
		}
		if *m.tok, err = rotateMemberToken(ctx, st, member, now); err != nil {
			return nil, err
		}
	}
	return seed, nil
}

// devCredits are the demo workspace's credits (100 credits), given once
// per data directory: the top-up's fixed id makes a restart a no-op.
const (
	devCredits   = 100 * store.MicroPerCredit
	devCreditsID = "devcredits01"
)

// giveDevCredits tops the demo workspace up once, so the tour shows
// charges; a store without money methods is left alone.
func giveDevCredits(ctx context.Context, st store.Store, ws string) error {
	m, ok := st.(interface {
		AddCredits(ctx context.Context, workspace string, tx *store.Transaction) (store.CreditAlerts, error)
	})
	if !ok {
		return nil
	}
	tx := &store.Transaction{ID: devCreditsID, Kind: store.TxTopUp, Amount: devCredits, Actor: "operator", Note: "serve --dev demo credits"}
	if _, err := m.AddCredits(ctx, ws, tx); err != nil && !errors.Is(err, store.ErrExists) {
		return err
	}
	return nil
}

func devWorkspaceOf(ctx context.Context, st store.Store, now time.Time) (*store.Workspace, error) {
	all, err := st.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == devWorkspace {
			return &all[i], nil
		}
	}
	ws := &store.Workspace{ID: token.NewID(), Name: devWorkspace, CreatedAt: now,
		Limits: store.Limits{MemberRPM: 120}}
	return ws, st.CreateWorkspace(ctx, ws)
}

func devMemberOf(ctx context.Context, st store.Store, ws, email, role string, now time.Time) (*store.Member, error) {
	members, err := st.ListMembers(ctx, ws)
	if err != nil {
		return nil, err
	}
	for i := range members {
		if members[i].Email == email && members[i].Status == store.MemberActive {
			return &members[i], nil
		}
	}
	m := &store.Member{ID: token.NewID(), WorkspaceID: ws, Email: email, Role: role, Status: store.MemberActive, CreatedAt: now}
	return m, st.PutMember(ctx, m)
}

// rotateMemberToken revokes the member's active tokens and issues a new one.
func rotateMemberToken(ctx context.Context, st store.Store, m *store.Member, now time.Time) (string, error) {
	toks, err := st.ListTokens(ctx, m.WorkspaceID)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if t.Kind == token.Member && t.MemberID == m.ID && t.Status == store.TokenActive {
			if err := st.RevokeToken(ctx, m.WorkspaceID, t.ID); err != nil {
				return "", err
			}
		}
	}
	secret, rec, err := store.NewToken(token.Member, m.WorkspaceID, m.ID, "", now)
	if err != nil {
		return "", err
	}
	return secret, st.CreateToken(ctx, rec)
}

// printDev writes the dev banner: URLs, tokens and commands that work as printed.
func printDev(w io.Writer, gatewayURL, adminURL, operatorToken string, s *devSeed) {
	fmt.Fprintf(w, `
Tollgate is running in dev mode (embedded store, demo upstreams).

  Gateway URL     %[1]s
  Admin URL       %[2]s   (metrics: %[2]s/metrics)
  Operator token  %[3]s
  Member token    %[4]s   (%[5]s in workspace %[6]q)
  Owner token     %[7]s   (%[8]s)
  Credits         the demo workspace starts with 100; demo-chat costs 1000 credits per 1M input
                  and 3000 per 1M output tokens (each answer is charged: tollgate_credits_charged_total)

Chat completion through the gateway, with the member token:
  curl -s %[1]s/%[9]s/v1/chat/completions -H 'Authorization: Bearer %[4]s' -H 'Content-Type: application/json' -d '{"model":"demo-chat","messages":[{"role":"user","content":"Hello, Tollgate"}]}'

OpenAI SDKs: base URL %[1]s/%[9]s/v1 with the member token as the API key
  (e.g. OPENAI_BASE_URL=%[1]s/%[9]s/v1 OPENAI_API_KEY=%[4]s)
MCP (Streamable HTTP): %[1]s/%[10]s with header 'Authorization: Bearer <member token>'

`, gatewayURL, adminURL, operatorToken, s.memberToken, devMemberEmail, devWorkspace, s.ownerToken, devOwnerEmail, devLLM, devMCP)
}
