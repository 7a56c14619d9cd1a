package outbound

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/payload"
)

// API is the management API of endpoints and their deliveries (docs/reference/outbound-webhooks.md). The server
// mounts it under its admin authentication, limits and error handler; handlers answer in
// apierr's shape. Its handlers only decode and encode: what they do is in its operations
// (manage.go), which the console's forms call too.
type API struct {
	DB db.Executor
	// Deliveries starts the workflows of a person's retries, on the workers' task queue.
	Deliveries Deliveries
	// Policy is what an endpoint's URL must satisfy to be saved; attempts check it again.
	Policy egress.Policy
	// Sender makes test events' attempts (POST .../test) from this process; nil refuses them.
	Sender *Sender
	// Secrets seal what subscribers give to reach them (secrets.go) and connectors'
	// credentials (SHIPFLOW_SECRET_KEYS); nil refuses every new destination.
	Secrets *payload.Codec
}

// Register adds the API's routes to g, the server's /v1 group, each behind m (the scope the
// routes require).
func (a *API) Register(g *echo.Group, m ...echo.MiddlewareFunc) {
	g.POST("/webhook-endpoints", a.createEndpoint, m...)
	g.GET("/webhook-endpoints", a.listEndpoints, m...)
	g.GET("/webhook-endpoints/:id", a.getEndpoint, m...)
	g.PATCH("/webhook-endpoints/:id", a.updateEndpoint, m...)
	g.DELETE("/webhook-endpoints/:id", a.deleteEndpoint, m...)
	g.POST("/webhook-endpoints/:id/rotate-secret", a.rotateSecret, m...)
	g.GET("/webhook-endpoints/:id/deliveries", a.listDeliveries, m...)
	g.POST("/webhook-endpoints/:id/recover", a.recoverEndpoint, m...)
	g.POST("/webhook-endpoints/:id/test", a.testEndpoint, m...)
	g.GET("/event-types", a.listEventTypes, m...)
	g.GET("/webhook-deliveries/:id", a.getDelivery, m...)
	g.POST("/webhook-deliveries/:id/retry", a.retryDelivery, m...)
}

// rotationOverlap is how long a rotated-out secret keeps signing (docs/reference/outbound-webhooks.md).
const rotationOverlap = 24 * time.Hour

// endpointRequest is the body of endpoint creation and updates.
type endpointRequest struct {
	// Kind is the destination's kind, webhook when absent; set once, at creation.
	Kind        *string   `json:"kind"`
	URL         *string   `json:"url"`
	EventTypes  *[]string `json:"event_types"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
	// Headers is kept raw to tell an absent field from null (remove every header) in a PATCH.
	Headers json.RawMessage `json:"headers"`
	// Credentials are a connector's (docs/connectors.md): all of them, replacing any it had.
	Credentials map[string]string `json:"credentials"`
}

// input is the request as the management operations take it. A headers field that is not
// an object is refused in its turn, after the fields checkEndpoint checks first.
func (r endpointRequest) input() EndpointInput {
	in := EndpointInput{Kind: r.Kind, URL: r.URL, EventTypes: r.EventTypes, Description: r.Description, Enabled: r.Enabled,
		Credentials: r.Credentials}
	switch {
	case len(r.Headers) == 0:
	case string(r.Headers) == "null":
		in.ClearHeaders = true
	default:
		if err := json.Unmarshal(r.Headers, &in.Headers); err != nil {
			in.Headers = nil
			in.headersErr = apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers: must be an object of header name to string value")
		}
	}
	return in
}

// headerError is a *HeaderError as the API answers it.
func headerError(err error) error {
	var he *HeaderError
	if errors.As(err, &he) {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "%s", he.msg)
	}
	return err
}

// Limits of what a subscriber may set on an endpoint. A URL is sent to on every delivery and
// shown in staff alerts, a description is shown to staff: each has a cap and a character set,
// checked before anything else looks at them.
const (
	// maxURLLen is the longest URL browsers and proxies agree to carry.
	maxURLLen = 2048
	// maxDescriptionLen is in characters.
	maxDescriptionLen = 500
	// maxEventTypes is far more than the dozen types there are; repeats are dropped.
	maxEventTypes = 50
	// maxEventTypeLen is the longest a type name may be before it is looked up (and quoted).
	maxEventTypeLen = 64
)

// checkEndpoint validates what a subscriber may set on a destination of kind k: a URL shipflow
// will agree to call (the dial-time guard still applies when delivering; a feed's must be on
// its chat's webhook hosts), a description staff can read, and known event types. Length and
// character set come first and are 400s naming the field; a URL that is well-formed but not
// one shipflow may call is a 422. A feed takes no headers: it posts to the chat's webhook as
// the chat documents it.
func (a *API) checkEndpoint(r EndpointInput, k Kind) error {
	if r.URL != nil {
		if err := checkURLText(*r.URL); err != nil {
			return err
		}
	}
	if r.Description != nil {
		if err := checkDescription(*r.Description); err != nil {
			return err
		}
	}
	if r.EventTypes != nil {
		types := *r.EventTypes
		if len(types) > maxEventTypes {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "event_types: must list at most %d types, got %d", maxEventTypes, len(types))
		}
		for i, t := range types {
			if len(t) > maxEventTypeLen {
				return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "event_types[%d]: unknown event type (%d bytes long)", i, len(t))
			}
			if _, err := order.ParsePublishType(t); err != nil {
				return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "event_types[%d]: %v", i, err)
			}
		}
	}
	if k.SecretURL() && r.headersGiven() {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers: a %s destination sends no headers of its own", k)
	}
	if r.URL != nil {
		err := egress.CheckURL(*r.URL, a.Policy)
		switch {
		case err == nil && k.Feed():
			err = CheckFeedURL(k, *r.URL, a.Policy)
		case err == nil && k == KindZapier:
			err = CheckZapierURL(*r.URL, a.Policy)
		}
		if err != nil {
			return apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable, "url: %v", err)
		}
	}
	return nil
}

// maxKindLen is the longest a kind may be before it is looked up (and quoted).
const maxKindLen = 32

// parseKind reads a request's kind: webhook when absent.
func parseKind(s *string) (Kind, error) {
	if s == nil {
		return KindWebhook, nil
	}
	if k := Kind(*s); len(*s) <= maxKindLen && (slices.Contains(Kinds, k) || k.Connector()) {
		return k, nil
	}
	known := KnownKinds()
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = string(k)
	}
	return "", apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "kind: must be one of %s", strings.Join(names, ", "))
}

// checkURLText refuses a URL longer than maxURLLen or holding anything but printable ASCII
// without spaces. A URL with other characters is not one a receiver meant: they are
// percent-encoded in a path and punycode (xn--) in a host, and a NUL, a line break or a space
// has no place in one.
func checkURLText(u string) error {
	if len(u) > maxURLLen {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "url: must be at most %d bytes, got %d", maxURLLen, len(u))
	}
	for i := range len(u) {
		if c := u[i]; c <= ' ' || c > '~' {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
				"url: must be printable ASCII without spaces (percent-encode other characters, write international domain names as xn--), found byte 0x%02X at %d", c, i)
		}
	}
	return nil
}

// checkDescription refuses a description staff could not read safely: control characters
// (NUL, line breaks, escapes), characters that reorder or hide text, or more than
// maxDescriptionLen characters. JSON decoding has already made it valid UTF-8.
func checkDescription(d string) error {
	if err := order.CheckText("description", d, maxDescriptionLen); err != nil {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "%v", err)
	}
	return nil
}

// distinct drops repeated event types, keeping the first of each.
func distinct(types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func decodeEndpoint(c echo.Context) (endpointRequest, error) {
	var r endpointRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, apierr.Decode(err)
	}
	return r, nil
}

// endpointView is an endpoint as the API answers it: its headers' names, no value whole.
type endpointView struct {
	Endpoint
	Headers map[string]string `json:"headers"`
	// Credentials are a connector's credentials' names; no value is ever shown.
	Credentials map[string]string `json:"credentials,omitempty"`
}

// shown is an endpoint with its secret in full, as create and rotate-secret answer it once. A
// feed's URL is its secret, and is never shown whole (Endpoint.ShownURL); a feed signs
// nothing, so it shows no secret.
func shown(e Endpoint) endpointView {
	if e.Kind.SecretURL() {
		e.URL, e.Secret = e.ShownURL(), ""
	}
	return endpointView{Endpoint: e, Headers: e.Headers.Masked(), Credentials: e.Credentials.Masked()}
}

// masked hides an endpoint's secret: it is shown in full once, when created or rotated.
func masked(e Endpoint) endpointView {
	e.Secret = e.SecretHint()
	return shown(e)
}

// createEndpoint is POST /v1/webhook-endpoints.
func (a *API) createEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	e, err := a.Create(c.Request().Context(), r.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, shown(e))
}

// listEndpoints is GET /v1/webhook-endpoints.
func (a *API) listEndpoints(c echo.Context) error {
	es, err := ListEndpoints(c.Request().Context(), a.DB)
	if err != nil {
		return err
	}
	out := make([]endpointView, len(es))
	for i, e := range es {
		out[i] = masked(e.Shown(a.Secrets))
	}
	return c.JSON(http.StatusOK, map[string]any{"endpoints": out})
}

// getEndpoint is GET /v1/webhook-endpoints/{id}.
func (a *API) getEndpoint(c echo.Context) error {
	e, err := GetEndpoint(c.Request().Context(), a.DB, c.Param("id"))
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, masked(e.Shown(a.Secrets)))
}

// updateEndpoint is PATCH /v1/webhook-endpoints/{id}.
func (a *API) updateEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	e, err := a.Update(c.Request().Context(), c.Param("id"), r.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, masked(e))
}

// deleteEndpoint is DELETE /v1/webhook-endpoints/{id}.
func (a *API) deleteEndpoint(c echo.Context) error {
	if err := a.Delete(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// rotateSecret is POST /v1/webhook-endpoints/{id}/rotate-secret: the new secret is shown once,
// and the old one keeps signing for a day.
func (a *API) rotateSecret(c echo.Context) error {
	e, err := a.Rotate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shown(e))
}

func endpointError(err error, id string) error {
	if errors.Is(err, db.ErrNotFound) {
		return apierr.Errorf(http.StatusNotFound, apierr.NotFound, "no webhook endpoint %s", quoteID(id))
	}
	return err
}

// quoteID quotes an id from a request path for an error message when it looks like one of
// ours (ep_..., dlv_...), and says only "with that id" otherwise: the path is the caller's,
// and a 404 must not echo kilobytes of it.
func quoteID(id string) string {
	if !PlainID(id) {
		return "with that id"
	}
	return strconv.Quote(id)
}

// PlainID reports whether id could be one of ours (ep_..., dlv_...): 1 to 64 letters, digits,
// '_' and '-'. Anything else names nothing, and is neither looked up nor repeated.
func PlainID(id string) bool {
	return len(id) > 0 && len(id) <= 64 && !strings.ContainsFunc(id, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
}

// connectorCredentials checks a connector's credentials and URL as its platform would take them
// (checkCredentials, the connector's Check) and seals them.
func (a *API) connectorCredentials(k Kind, url string, creds map[string]string) (Credentials, error) {
	if err := checkCredentials(k, creds); err != nil {
		return nil, err
	}
	if check := connectors[k].Check; check != nil {
		if err := check(url, creds); err != nil {
			var ae *apierr.Error
			if errors.As(err, &ae) {
				return nil, err
			}
			return nil, apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable, "%v", err)
		}
	}
	return sealCredentials(a.Secrets, creds)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
