package outbound

import (
	"encoding/json"
	"errors"
	"maps"
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
// apierr's shape.
type API struct {
	DB db.Executor
	// Deliveries starts the workflows of a person's retries, on the workers' task queue.
	Deliveries Deliveries
	// Policy is what an endpoint's URL must satisfy to be saved; attempts check it again.
	Policy egress.Policy
	// Sender makes test events' attempts (POST .../test) from this process; nil refuses them.
	Sender *Sender
	// Secrets seal connectors' credentials (SHIPFLOW_SECRET_KEYS); nil refuses every
	// connector that has credentials.
	Secrets *payload.Codec
}

// Register adds the API's routes to g, the server's /v1 group.
func (a *API) Register(g *echo.Group) {
	g.POST("/webhook-endpoints", a.createEndpoint)
	g.GET("/webhook-endpoints", a.listEndpoints)
	g.GET("/webhook-endpoints/:id", a.getEndpoint)
	g.PATCH("/webhook-endpoints/:id", a.updateEndpoint)
	g.DELETE("/webhook-endpoints/:id", a.deleteEndpoint)
	g.POST("/webhook-endpoints/:id/rotate-secret", a.rotateSecret)
	g.GET("/webhook-endpoints/:id/deliveries", a.listDeliveries)
	g.POST("/webhook-endpoints/:id/recover", a.recoverEndpoint)
	g.POST("/webhook-endpoints/:id/test", a.testEndpoint)
	g.GET("/event-types", a.listEventTypes)
	g.GET("/webhook-deliveries/:id", a.getDelivery)
	g.POST("/webhook-deliveries/:id/retry", a.retryDelivery)
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

// headerPatch reads a request's headers: nil when absent; clear when null; otherwise each name
// with its value, or nil (a PATCH's removal). Each entry is checked here, the whole set once
// merged (CheckHeaders).
func (r endpointRequest) headerPatch() (patch map[string]*string, clear bool, err error) {
	if len(r.Headers) == 0 {
		return nil, false, nil
	}
	if string(r.Headers) == "null" {
		return nil, true, nil
	}
	if err := json.Unmarshal(r.Headers, &patch); err != nil {
		return nil, false, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers: must be an object of header name to string value")
	}
	if len(patch) > 2*maxHeaders { // what a merge could still bring within the cap
		return nil, false, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers: at most %d headers, got %d", maxHeaders, len(patch))
	}
	for _, name := range slices.Sorted(maps.Keys(patch)) {
		v := patch[name]
		if v == nil {
			if err := checkHeaderName(name); err != nil {
				return nil, false, headerError(err)
			}
			continue
		}
		if err := CheckHeader(name, *v); err != nil {
			return nil, false, headerError(err)
		}
	}
	return patch, false, nil
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
func (a *API) checkEndpoint(r endpointRequest, k Kind) error {
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
	if k.SecretURL() && len(r.Headers) > 0 && string(r.Headers) != "null" {
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
	known := append(slices.Clone(Kinds), slices.Sorted(maps.Keys(connectors))...)
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
	if r.EventTypes != nil && len(*r.EventTypes) <= maxEventTypes {
		types := distinct(*r.EventTypes)
		r.EventTypes = &types
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
	if len(e.Secret) > 10 {
		e.Secret = e.Secret[:10] + strings.Repeat("*", 8)
	}
	return shown(e)
}

// createEndpoint is POST /v1/webhook-endpoints.
func (a *API) createEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	kind, err := parseKind(r.Kind)
	if err != nil {
		return err
	}
	if c, ok := connectors[kind]; ok && (r.URL == nil || *r.URL == "") && c.DefaultURL != "" {
		r.URL = &c.DefaultURL // the platform's own API
	}
	if r.URL == nil || *r.URL == "" {
		return apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "url is required")
	}
	if err := a.checkEndpoint(r, kind); err != nil {
		return err
	}
	if kind.Connector() {
		creds, err := a.connectorCredentials(kind, *r.URL, r.Credentials)
		if err != nil {
			return err
		}
		var types []string
		if r.EventTypes != nil {
			types = *r.EventTypes
		}
		e, err := CreateConnector(c.Request().Context(), a.DB, kind, *r.URL, deref(r.Description), types, creds)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, shown(e))
	}
	if err := checkCredentials(kind, r.Credentials); err != nil {
		return err
	}
	patch, _, err := r.headerPatch()
	if err != nil {
		return err
	}
	h := Headers{}
	for name, v := range patch {
		if v == nil {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers[%s]: must be a string", quoteName(name))
		}
		h[name] = *v
	}
	if err := CheckHeaders(h); err != nil {
		return headerError(err)
	}
	var types []string
	if r.EventTypes != nil {
		types = *r.EventTypes
	}
	desc := ""
	if r.Description != nil {
		desc = *r.Description
	}
	e, err := CreateEndpointOf(c.Request().Context(), a.DB, kind, *r.URL, desc, types, h)
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
		out[i] = masked(e)
	}
	return c.JSON(http.StatusOK, map[string]any{"endpoints": out})
}

// getEndpoint is GET /v1/webhook-endpoints/{id}.
func (a *API) getEndpoint(c echo.Context) error {
	e, err := GetEndpoint(c.Request().Context(), a.DB, c.Param("id"))
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, masked(e))
}

// updateEndpoint is PATCH /v1/webhook-endpoints/{id}.
func (a *API) updateEndpoint(c echo.Context) error {
	r, err := decodeEndpoint(c)
	if err != nil {
		return err
	}
	if r.Kind != nil {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "kind: is set when an endpoint is created; create a new one for another kind")
	}
	// Every field's own rules first, before anything is looked up.
	if err := a.checkEndpoint(r, KindWebhook); err != nil {
		return err
	}
	patch, clear, err := r.headerPatch()
	if err != nil {
		return err
	}
	change := EndpointChange{URL: r.URL, Description: r.Description, EventTypes: r.EventTypes, Enabled: r.Enabled}
	if r.URL != nil || len(r.Headers) > 0 || r.Credentials != nil {
		// A feed's or a connector's URL, headers and credentials have rules of their own; the
		// kind never changes.
		cur, err := GetEndpoint(c.Request().Context(), a.DB, c.Param("id"))
		if err != nil {
			return endpointError(err, c.Param("id"))
		}
		if err := a.checkEndpoint(r, cur.Kind); err != nil {
			return err
		}
		if cur.Kind.Connector() && (r.URL != nil || r.Credentials != nil) {
			url, creds := cur.URL, r.Credentials
			if r.URL != nil {
				url = *r.URL
			}
			if creds == nil {
				// A new URL is checked with the credentials it will be used with.
				if creds, err = cur.Credentials.Open(a.Secrets); err != nil {
					return apierr.Errorf(http.StatusConflict, apierr.Conflict, "the stored credentials cannot be opened (%v): send credentials with the url", err)
				}
			}
			sealed, err := a.connectorCredentials(cur.Kind, url, creds)
			if err != nil {
				return err
			}
			if r.Credentials != nil {
				change.Credentials = sealed
			}
		} else if r.Credentials != nil {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials: a %s destination takes none", cur.Kind)
		}
	}
	if patch != nil || clear {
		change.Headers = func(cur Headers) (Headers, error) {
			if clear {
				return Headers{}, nil
			}
			h := cur.Merge(patch)
			return h, headerError(CheckHeaders(h))
		}
	}
	e, err := UpdateEndpoint(c.Request().Context(), a.DB, c.Param("id"), change)
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.JSON(http.StatusOK, masked(e))
}

// deleteEndpoint is DELETE /v1/webhook-endpoints/{id}.
func (a *API) deleteEndpoint(c echo.Context) error {
	if err := DeleteEndpoint(c.Request().Context(), a.DB, c.Param("id")); err != nil {
		return endpointError(err, c.Param("id"))
	}
	return c.NoContent(http.StatusNoContent)
}

// rotateSecret is POST /v1/webhook-endpoints/{id}/rotate-secret: the new secret is shown once,
// and the old one keeps signing for a day.
func (a *API) rotateSecret(c echo.Context) error {
	cur, err := GetEndpoint(c.Request().Context(), a.DB, c.Param("id"))
	if err != nil {
		return endpointError(err, c.Param("id"))
	}
	if cur.Kind.SecretURL() {
		return apierr.Errorf(http.StatusConflict, apierr.Conflict, "a %s destination signs nothing: it has no secret to rotate (its webhook URL is the secret; PATCH url to change it)", cur.Kind)
	}
	e, err := RotateSecret(c.Request().Context(), a.DB, c.Param("id"), rotationOverlap)
	if err != nil {
		return endpointError(err, c.Param("id"))
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
	if !plainID(id) {
		return "with that id"
	}
	return strconv.Quote(id)
}

// plainID reports whether id could be one of ours: 1 to 64 letters, digits, '_' and '-'.
func plainID(id string) bool {
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
