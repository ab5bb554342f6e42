package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/notify"
	"github.com/tollgate-dev/tollgate/store"
	"github.com/tollgate-dev/tollgate/token"
)

// maxWebhooks bounds the alert receivers of one workspace.
const maxWebhooks = 10

// maxURLLen bounds a webhook URL, in bytes.
const maxURLLen = 2048

type createWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"` // event types; empty or absent: every type
}

// webhookView describes a receiver; never its secret.
type webhookView struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"` // the types it receives; every type when it was created with none
	CreatedAt   time.Time `json:"created_at"`
}

func viewWebhook(h *store.Webhook) webhookView {
	ev := h.Events
	if len(ev) == 0 {
		ev = notify.EventTypes
	}
	return webhookView{ID: h.ID, WorkspaceID: h.WorkspaceID, URL: h.URL, Events: ev, CreatedAt: h.CreatedAt}
}

// webhookCreated carries a new receiver: the only time Secret is shown.
type webhookCreated struct {
	Webhook webhookView `json:"webhook"`
	Secret  string      `json:"secret"`
}

// createWebhook adds an alert receiver to the workspace (owner, admin).
func (a *api) createWebhook(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	var req createWebhookRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	c := callerOf(r)
	if err := firstErr(checkWebhookURL(req.URL), checkEvents(req.Events)); err != nil {
		return err
	}
	if err := checkTarget(r.Context(), c, targetRule{"url", "webhooks"}, req.URL); err != nil {
		return err
	}
	have, err := m.ListWebhooks(r.Context(), ws)
	if err != nil {
		return err
	}
	if len(have) >= maxWebhooks {
		return errUnprocessable("webhooks: a workspace has at most %d; delete one first", maxWebhooks)
	}
	secret := notify.NewWebhookSecret() // the form notify.Sign and docs/webhooks.md use
	h := &store.Webhook{ID: token.NewID(), WorkspaceID: ws, URL: req.URL, Secret: secret, Events: req.Events,
		CreatedAt: a.now().UTC()}
	if err := m.CreateWebhook(r.Context(), h); err != nil {
		return notFound(err, "workspace", ws)
	}
	c.target("webhook", h.ID)
	c.audit.detail = "webhook to " + hostOf(req.URL) // the host only: a URL may carry a token
	a.log.Info("admin: webhook created", "workspace", ws, "webhook", h.ID)
	return writeJSON(w, http.StatusCreated, webhookCreated{Webhook: viewWebhook(h), Secret: secret})
}

// checkWebhookURL accepts an absolute http or https URL with a host, no
// user info and no fragment, of at most maxURLLen bytes. Like checkBaseURL,
// its messages never quote the URL.
func checkWebhookURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return errInvalid("url: required, the http or https URL alerts are POSTed to")
	case len(s) > maxURLLen:
		return errInvalid("url: at most %d bytes", maxURLLen)
	case err != nil:
		return errInvalid("url: not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errInvalid("url: scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return errInvalid("url: missing host")
	case u.User != nil:
		return errInvalid("url: must not contain user info; verify deliveries with the signing secret instead")
	case u.Fragment != "" || u.RawFragment != "":
		return errInvalid("url: must not have a fragment")
	}
	return nil
}

// checkEvents accepts a list of distinct alert event types.
func checkEvents(events []string) error {
	for i, ev := range events {
		if !slices.Contains(notify.EventTypes, ev) {
			return errInvalid("events[%d]: %q is not an event type; want one of %v", i, clip(ev), notify.EventTypes)
		}
		if slices.Index(events, ev) != i {
			return errInvalid("events[%d]: %q is listed twice", i, ev)
		}
	}
	return nil
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "?"
	}
	return u.Host
}

func (a *api) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	all, err := m.ListWebhooks(r.Context(), ws)
	if err != nil {
		return err
	}
	return listResponse(w, r, all, nil, func(h *store.Webhook) string { return h.ID }, viewWebhook)
}

func (a *api) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	h, err := a.webhook(r, m, ws, id)
	if err != nil {
		return err
	}
	if err := m.DeleteWebhook(r.Context(), ws, id); err != nil {
		return notFound(err, "webhook", id)
	}
	callerOf(r).target("webhook", id)
	a.log.Info("admin: webhook deleted", "workspace", ws, "webhook", id)
	return writeJSON(w, http.StatusOK, viewWebhook(h))
}

// webhook finds receiver id of workspace ws.
func (a *api) webhook(r *http.Request, m store.Money, ws, id string) (*store.Webhook, error) {
	all, err := m.ListWebhooks(r.Context(), ws)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, errNotFound("webhook %q not found", id)
}

// deliveryView is one attempt to deliver one alert to one receiver.
type deliveryView struct {
	ID        string    `json:"id"`
	WebhookID string    `json:"webhook_id"`
	EventID   string    `json:"event_id"`
	Event     string    `json:"event"`
	Attempt   int       `json:"attempt"`
	Status    int       `json:"status"` // the receiver's HTTP status; 0 when none came
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
	Done      bool      `json:"done"` // delivered, or given up: no more attempts
}

func viewDelivery(d *store.Delivery) deliveryView {
	return deliveryView{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, Event: d.Event, Attempt: d.Attempt,
		Status: d.Status, Error: d.Error, At: d.At, Done: d.Done}
}

// listDeliveries answers the newest deliveries of the workspace, or of the
// {id} receiver, up to ?limit (default DefaultPageSize); the log is bounded
// by retention, so there is no cursor.
func (a *api) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	m := a.store
	ws, err := a.workspaceID(r)
	if err != nil {
		return err
	}
	limit := DefaultPageSize
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			return errInvalid("limit: want an integer from 1 to %d, got %q", MaxPageSize, clip(s))
		}
		limit = n
	}
	id := r.PathValue("id")
	if id != "" {
		if _, err := a.webhook(r, m, ws, id); err != nil {
			return err
		}
	}
	ds, err := m.Deliveries(r.Context(), ws, id, limit)
	if err != nil {
		return err
	}
	out := page[deliveryView]{Items: make([]deliveryView, 0, len(ds))}
	for i := range ds {
		out.Items = append(out.Items, viewDelivery(&ds[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}
