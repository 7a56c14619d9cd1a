package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/payload"
)

// ZapierAPI is what a Zapier integration calls (docs/connectors.md "## Zapier"): the REST
// Hooks subscribe and unsubscribe of its triggers, the samples of its perform list, and the
// authentication test. The server mounts it under /zapier/v1 behind the Zapier API keys
// (SHIPFLOW_ZAPIER_API_KEYS), which open nothing else; handlers answer in apierr's shape.
type ZapierAPI struct {
	DB db.Executor
	// Policy is what a hook URL must satisfy to be saved (besides being Zapier's); attempts
	// check it again.
	Policy egress.Policy
	// Links make the samples' tracking links, as the worker's Sender.Feeds makes the events'.
	Links FeedSettings
	// Account names this shipflow in the Zap editor's connection label (GET /me).
	Account string
	// Secrets seal the hook URLs (SHIPFLOW_SECRET_KEYS, secrets.go): a hook is a secret.
	Secrets *payload.Codec
}

// Register adds the routes to g, the server's /zapier/v1 group.
func (a *ZapierAPI) Register(g *echo.Group) {
	g.GET("/me", a.me)
	g.POST("/subscriptions", a.subscribe)
	g.DELETE("/subscriptions/:id", a.unsubscribe)
	g.GET("/samples", a.samples)
}

// maxTriggerKeyLen is the longest a trigger key may be before it is looked up (and quoted).
const maxTriggerKeyLen = 64

// trigger reads the event a request names: a key of ZapierTriggers, nothing else.
func trigger(field, key string) (ZapierTrigger, error) {
	if key == "" {
		return ZapierTrigger{}, apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "%s is required: one of %s", field, strings.Join(zapierTriggerNames(), ", "))
	}
	t, ok := ZapierTriggerFor(key)
	if !ok {
		shown := "that event" // the caller's text is quoted only when it is short and plain
		if len(key) <= maxTriggerKeyLen && !strings.ContainsFunc(key, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
			shown = fmt.Sprintf("%q", key)
		}
		return t, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "%s: %s is not a trigger; one of %s", field, shown, strings.Join(zapierTriggerNames(), ", "))
	}
	return t, nil
}

// zapierAccount is GET /zapier/v1/me's answer: what Zapier shows as the connection's label.
type zapierAccount struct {
	Account  string   `json:"account"`
	Triggers []string `json:"triggers"`
}

// me is GET /zapier/v1/me, Zapier's authentication test: a key that reaches it works.
func (a *ZapierAPI) me(c echo.Context) error {
	return c.JSON(http.StatusOK, zapierAccount{Account: a.Account, Triggers: zapierTriggerNames()})
}

// subscribeRequest is what Zapier's performSubscribe posts: the Zap's hook and the trigger.
type subscribeRequest struct {
	HookURL string `json:"hookUrl"`
	Event   string `json:"event"`
}

// subscription is a subscription as the API answers it: its id is what performUnsubscribe
// sends back (bundle.subscribeData.id).
type subscription struct {
	ID        string            `json:"id"`
	Event     string            `json:"event"`
	EventType order.PublishType `json:"event_type"`
}

// subscribe is POST /zapier/v1/subscriptions: a destination of KindZapier for the hook,
// subscribed to the trigger's event type. Subscribing the same hook to the same trigger again
// (performSubscribe retried after a lost answer) answers the subscription already there, so
// a Zap never gets each event twice.
func (a *ZapierAPI) subscribe(c echo.Context) error {
	hook, t, err := ParseSubscription(c.Request().Body, a.Policy)
	if err != nil {
		return err
	}
	var e Endpoint
	var created bool
	ctx := zapierContext(c)
	err = audit.Within(ctx, a.DB, func(tx pgx.Tx) (audit.Entry, error) {
		var err error
		if e, created, err = SubscribeZapier(ctx, tx, a.Secrets, hook, t); err != nil || !created {
			return audit.Entry{}, err // a subscription found again is no change
		}
		return audit.Entry{Action: audit.ActionEndpointChange, Subject: e.ID, Detail: map[string]any{"op": opCreate, "kind": e.Kind}}, nil
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, subscription{ID: e.ID, Event: t.Key, EventType: t.Type})
}

// ParseSubscription reads a subscribe request's body: a hook URL of at most 2,048 printable
// ASCII characters that the policy lets shipflow call on Zapier's hook host, and a trigger key
// of the table. Every refusal is an *apierr.Error: 400 naming the field, or 422 for a URL
// that is well-formed but not one shipflow may call.
func ParseSubscription(body io.Reader, p egress.Policy) (string, ZapierTrigger, error) {
	var r subscribeRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return "", ZapierTrigger{}, apierr.Decode(err)
	}
	if dec.More() {
		return "", ZapierTrigger{}, apierr.Errorf(http.StatusBadRequest, apierr.BadRequest, "the body must be one JSON object")
	}
	if r.HookURL == "" {
		return "", ZapierTrigger{}, apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "hookUrl is required: the Zap's hook, {{bundle.targetUrl}}")
	}
	if err := checkURLText(r.HookURL); err != nil {
		return "", ZapierTrigger{}, renameField(err, "url:", "hookUrl:")
	}
	t, err := trigger("event", r.Event)
	if err != nil {
		return "", t, err
	}
	if err := CheckZapierURL(r.HookURL, p); err != nil {
		return "", t, apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable, "hookUrl: %v", err)
	}
	return r.HookURL, t, nil
}

// renameField turns a check's message about one field into one about the field as this API
// names it.
func renameField(err error, from, to string) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return apierr.Errorf(ae.Status, ae.Code, "%s", strings.Replace(ae.Message, from, to, 1))
	}
	return err
}

// SubscribeZapier stores the subscription of hook to trigger t, or finds the one already
// stored; created says which. The check and the insert are one transaction under a lock on
// the hook, so two subscribes of one hook at once store one subscription. The hook is kept
// sealed with c (secrets.go), so it is found among the trigger's subscriptions of its masked
// form (or stored whole, before the reseal pass) by opening each.
func SubscribeZapier(ctx context.Context, ex db.Executor, c *payload.Codec, hook string, t ZapierTrigger) (e Endpoint, created bool, err error) {
	err = pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('zapier-hook:' || $1))`, MaskURL(hook)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
			WHERE kind = $1 AND url IN ($2, $3) AND event_types = $4 ORDER BY created_at, id`,
			KindZapier, hook, MaskURL(hook), []string{string(t.Type)})
		if err != nil {
			return err
		}
		same, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
		if err != nil {
			return err
		}
		for _, s := range same {
			if o, err := s.Open(c); err == nil && o.URL == hook {
				e = s
				return nil
			}
		}
		e, err = CreateEndpointOf(ctx, tx, c, KindZapier, hook, "Zapier: "+t.Name, []string{string(t.Type)}, nil)
		created = err == nil
		return err
	})
	if err != nil {
		return e, false, fmt.Errorf("subscribe Zapier hook to %s: %w", t.Key, err)
	}
	return e, created, nil
}

// ZapierActor is who the Zapier integration's reads and changes are attributed to when its
// request names nobody: its keys have no names.
const ZapierActor = "zapier"

// zapierContext is the request's context, carrying the Zapier actor unless it carries one.
func zapierContext(c echo.Context) context.Context {
	ctx := c.Request().Context()
	if _, ok := access.ActorFrom(ctx); ok {
		return ctx
	}
	return access.WithActor(ctx, access.Actor{Name: ZapierActor, Via: access.ViaAPI})
}

// unsubscribe is DELETE /zapier/v1/subscriptions/{id}, Zapier's performUnsubscribe. A
// subscription already gone (deleted after its hook answered 410, or an unsubscribe retried
// after a lost answer) is a success: the Zap is off either way. An id of another kind of
// destination is not the Zapier key's to delete: 404.
func (a *ZapierAPI) unsubscribe(c echo.Context) error {
	id := c.Param("id")
	if !PlainID(id) { // nothing else was ever an id of ours
		return apierr.Errorf(http.StatusNotFound, apierr.NotFound, "no Zapier subscription %s", quoteID(id))
	}
	var ok bool
	ctx := zapierContext(c)
	err := audit.Within(ctx, a.DB, func(tx pgx.Tx) (audit.Entry, error) {
		var deleted bool
		var err error
		if ok, deleted, err = unsubscribeZapier(ctx, tx, id); err != nil || !deleted {
			return audit.Entry{}, err // one gone already is no change
		}
		return audit.Entry{Action: audit.ActionEndpointChange, Subject: id, Detail: map[string]any{"op": opDelete, "kind": KindZapier}}, nil
	})
	if err != nil {
		return err
	}
	if !ok {
		return apierr.Errorf(http.StatusNotFound, apierr.NotFound, "no Zapier subscription %s", quoteID(id))
	}
	return c.NoContent(http.StatusNoContent)
}

// UnsubscribeZapier deletes the Zapier subscription id. It reports false only when id is a
// destination of another kind, which it leaves alone; an id that is gone is done.
func UnsubscribeZapier(ctx context.Context, ex db.Executor, id string) (bool, error) {
	ok, _, err := unsubscribeZapier(ctx, ex, id)
	return ok, err
}

// unsubscribeZapier is UnsubscribeZapier, saying also whether this call deleted it.
func unsubscribeZapier(ctx context.Context, ex db.Executor, id string) (ok, deleted bool, err error) {
	tag, err := ex.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 AND kind = $2`, id, KindZapier)
	if err != nil {
		return false, false, fmt.Errorf("unsubscribe Zapier subscription %s: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return true, true, nil
	}
	var other bool
	err = ex.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)`, id).Scan(&other)
	if err != nil {
		return false, false, fmt.Errorf("unsubscribe Zapier subscription %s: %w", id, err)
	}
	return !other, false, nil
}
