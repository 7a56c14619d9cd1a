package outbound

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/order"
)

// The management operations: what a person does to destinations and deliveries, whether
// through the JSON API (api.go, its handlers decode a request and call these) or the console's
// forms. Each takes plain values, checks them by the API's rules and answers refusals as
// *apierr.Error, so both surfaces refuse the same things with the same words.

// EndpointInput is what a person sets on a destination. Creation takes the fields given; an
// update changes only the fields given (nil stays as it is).
type EndpointInput struct {
	// Kind is the destination's kind, webhook when nil; set once, at creation.
	Kind        *string
	URL         *string
	EventTypes  *[]string
	Description *string
	Enabled     *bool
	// Headers name headers with their values. In an update a nil value removes a header and
	// names left out stay (JSON Merge Patch); creation takes no nil value. Nil sets nothing.
	Headers map[string]*string
	// ClearHeaders removes every header (the JSON API's "headers": null).
	ClearHeaders bool
	// Credentials are a connector's (docs/connectors.md): all of them, replacing any it had;
	// nil keeps them.
	Credentials map[string]string

	// headersErr is the JSON API's refusal of a headers field that is not an object, answered
	// where a bad header would be, so that the API's answers keep their order.
	headersErr error
}

// headersGiven reports whether the input says anything of headers but to clear them.
func (in EndpointInput) headersGiven() bool { return in.Headers != nil || in.headersErr != nil }

// headerPatch reads the input's headers: nil when absent; clear when to remove every one;
// otherwise each name with its value, or nil (an update's removal). Each entry is checked
// here, the whole set once merged (CheckHeaders).
func (in EndpointInput) headerPatch() (patch map[string]*string, clear bool, err error) {
	switch {
	case in.headersErr != nil:
		return nil, false, in.headersErr
	case in.ClearHeaders:
		return nil, true, nil
	case in.Headers == nil:
		return nil, false, nil
	}
	patch = in.Headers
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

// normalise drops repeated event types, keeping the first of each; a list over the cap is
// left whole, for checkEndpoint to refuse with its length.
func (in *EndpointInput) normalise() {
	if in.EventTypes != nil && len(*in.EventTypes) <= maxEventTypes {
		types := distinct(*in.EventTypes)
		in.EventTypes = &types
	}
}

// KnownKinds are every kind a destination may be created as: the webhook and the feeds, then
// the platform connectors by name.
func KnownKinds() []Kind {
	return append(slices.Clone(Kinds), slices.Sorted(maps.Keys(connectors))...)
}

// CredentialNames are the credentials a connector of kind k must have, and those it may;
// none for any other kind.
func (k Kind) CredentialNames() (required, optional []string) {
	c := connectors[k]
	return slices.Clone(c.Credentials), slices.Clone(c.Optional)
}

// DefaultURL is the platform's API a connector of kind k calls when it names no URL; "" when
// the endpoint must name its own.
func (k Kind) DefaultURL() string { return connectors[k].DefaultURL }

// SecretHint is as much of the signing secret as may be shown after creation or rotation:
// its first characters, to tell two apart, never enough to sign with.
func (e Endpoint) SecretHint() string {
	if len(e.Secret) > 10 {
		return e.Secret[:10] + strings.Repeat("*", 8)
	}
	return e.Secret
}

// Create stores a new destination from in, checked: the endpoint is returned with its secret
// in full, which the caller shows once.
func (a *API) Create(ctx context.Context, in EndpointInput) (Endpoint, error) {
	in.normalise()
	kind, err := parseKind(in.Kind)
	if err != nil {
		return Endpoint{}, err
	}
	if c, ok := connectors[kind]; ok && (in.URL == nil || *in.URL == "") && c.DefaultURL != "" {
		in.URL = &c.DefaultURL // the platform's own API
	}
	if in.URL == nil || *in.URL == "" {
		return Endpoint{}, apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "url is required")
	}
	if err := a.checkEndpoint(in, kind); err != nil {
		return Endpoint{}, err
	}
	var types []string
	if in.EventTypes != nil {
		types = *in.EventTypes
	}
	if kind.Connector() {
		creds, err := a.connectorCredentials(kind, *in.URL, in.Credentials)
		if err != nil {
			return Endpoint{}, err
		}
		e, err := a.changed(ctx, opCreate, func(tx pgx.Tx) (Endpoint, error) {
			return CreateConnector(ctx, tx, a.Secrets, kind, *in.URL, deref(in.Description), types, creds)
		})
		if err != nil {
			return Endpoint{}, err
		}
		return e.Open(a.Secrets)
	}
	if err := checkCredentials(kind, in.Credentials); err != nil {
		return Endpoint{}, err
	}
	patch, _, err := in.headerPatch()
	if err != nil {
		return Endpoint{}, err
	}
	h := Headers{}
	for name, v := range patch {
		if v == nil {
			return Endpoint{}, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "headers[%s]: must be a string", quoteName(name))
		}
		h[name] = *v
	}
	if err := CheckHeaders(h); err != nil {
		return Endpoint{}, headerError(err)
	}
	e, err := a.changed(ctx, opCreate, func(tx pgx.Tx) (Endpoint, error) {
		return CreateEndpointOf(ctx, tx, a.Secrets, kind, *in.URL, deref(in.Description), types, h)
	})
	if err != nil {
		return Endpoint{}, err
	}
	return e.Open(a.Secrets)
}

// What a change did to a destination, as its audit entry's detail names it.
const (
	opCreate = "create"
	opUpdate = "update"
	opDelete = "delete"
	opRotate = "rotate-secret"
)

// changed makes change in a transaction with its audit entry (endpoint.change, the
// destination's id), attributed to the actor ctx carries: the JSON API's token or the
// console's person, one entry whichever surface asked.
func (a *API) changed(ctx context.Context, op string, change func(tx pgx.Tx) (Endpoint, error)) (Endpoint, error) {
	var e Endpoint
	err := audit.Within(ctx, a.DB, func(tx pgx.Tx) (audit.Entry, error) {
		var err error
		e, err = change(tx)
		entry := audit.Entry{Action: audit.ActionEndpointChange, Subject: e.ID, Detail: map[string]any{"op": op}}
		if e.Kind != "" {
			entry.Detail["kind"] = e.Kind
		}
		return entry, err
	})
	if err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// Update changes what in gives of destination id, checked by the rules of its kind, which
// never changes.
func (a *API) Update(ctx context.Context, id string, in EndpointInput) (Endpoint, error) {
	in.normalise()
	if in.Kind != nil {
		return Endpoint{}, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "kind: is set when an endpoint is created; create a new one for another kind")
	}
	// Every field's own rules first, before anything is looked up.
	if err := a.checkEndpoint(in, KindWebhook); err != nil {
		return Endpoint{}, err
	}
	patch, clear, err := in.headerPatch()
	if err != nil {
		return Endpoint{}, err
	}
	change := EndpointChange{URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, Enabled: in.Enabled}
	if in.URL != nil || in.headersGiven() || in.ClearHeaders || in.Credentials != nil {
		// A feed's or a connector's URL, headers and credentials have rules of their own; the
		// kind never changes.
		cur, err := GetEndpoint(ctx, a.DB, id)
		if err != nil {
			return Endpoint{}, endpointError(err, id)
		}
		if err := a.checkEndpoint(in, cur.Kind); err != nil {
			return Endpoint{}, err
		}
		if in.URL != nil && cur.Kind.SecretURL() {
			shown, sealed, err := sealURL(a.Secrets, cur.Kind, *in.URL)
			if err != nil {
				return Endpoint{}, err
			}
			change.URL, change.URLSealed = &shown, sealed
		}
		if cur.Kind.Connector() && (in.URL != nil || in.Credentials != nil) {
			url, creds := cur.URL, in.Credentials
			if in.URL != nil {
				url = *in.URL
			}
			if creds == nil {
				// A new URL is checked with the credentials it will be used with.
				if creds, err = cur.Credentials.Open(a.Secrets); err != nil {
					return Endpoint{}, apierr.Errorf(http.StatusConflict, apierr.Conflict, "the stored credentials cannot be opened (%v): send credentials with the url", err)
				}
			}
			sealed, err := a.connectorCredentials(cur.Kind, url, creds)
			if err != nil {
				return Endpoint{}, err
			}
			if in.Credentials != nil {
				change.Credentials = sealed
			}
		} else if in.Credentials != nil {
			return Endpoint{}, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials: a %s destination takes none", cur.Kind)
		}
	}
	if patch != nil || clear {
		change.Headers = func(cur Headers) (Headers, error) {
			if clear {
				return Headers{}, nil
			}
			cur, err := openHeaders(a.Secrets, cur)
			if err != nil {
				return nil, apierr.Errorf(http.StatusConflict, apierr.Conflict, "the stored headers cannot be opened (%v): send headers: null, then the headers again", err)
			}
			h := cur.Merge(patch)
			if err := CheckHeaders(h); err != nil {
				return nil, headerError(err)
			}
			return sealHeaders(a.Secrets, h)
		}
	}
	e, err := a.changed(ctx, opUpdate, func(tx pgx.Tx) (Endpoint, error) { return UpdateEndpoint(ctx, tx, id, change) })
	if err != nil {
		return Endpoint{}, endpointError(err, id)
	}
	return e.Shown(a.Secrets), nil
}

// Delete removes destination id with its deliveries.
func (a *API) Delete(ctx context.Context, id string) error {
	_, err := a.changed(ctx, opDelete, func(tx pgx.Tx) (Endpoint, error) {
		return Endpoint{ID: id}, DeleteEndpoint(ctx, tx, id)
	})
	return endpointError(err, id)
}

// Rotate gives destination id a new signing secret, returned in full for the caller to show
// once; the old one keeps signing for a day (rotationOverlap).
func (a *API) Rotate(ctx context.Context, id string) (Endpoint, error) {
	cur, err := GetEndpoint(ctx, a.DB, id)
	if err != nil {
		return Endpoint{}, endpointError(err, id)
	}
	if cur.Kind.SecretURL() {
		return Endpoint{}, apierr.Errorf(http.StatusConflict, apierr.Conflict, "a %s destination signs nothing: it has no secret to rotate (its webhook URL is the secret; PATCH url to change it)", cur.Kind)
	}
	e, err := a.changed(ctx, opRotate, func(tx pgx.Tx) (Endpoint, error) {
		return RotateSecret(ctx, tx, a.Secrets, id, rotationOverlap)
	})
	if err != nil {
		return Endpoint{}, endpointError(err, id)
	}
	return e.Open(a.Secrets)
}

// SendTest sends the catalogue's example of eventType (DefaultTestType when nil) to
// destination id now, once, and returns the delivery with its attempt. Past the cap of tests
// it returns a *TestLimitError, which says when to ask again.
func (a *API) SendTest(ctx context.Context, id string, eventType *string) (Delivery, error) {
	t := DefaultTestType
	if eventType != nil {
		if len(*eventType) > maxEventTypeLen {
			return Delivery{}, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "event_type: unknown event type (%d bytes long)", len(*eventType))
		}
		var err error
		if t, err = order.ParsePublishType(*eventType); err != nil {
			return Delivery{}, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "event_type: %v", err)
		}
	}
	if a.Sender == nil {
		return Delivery{}, apierr.Errorf(http.StatusServiceUnavailable, apierr.Unavailable, "this server sends no test events")
	}
	dlv, err := RecordTestEvent(ctx, a.DB, id, t, time.Now())
	var limit *TestLimitError
	if errors.As(err, &limit) {
		return Delivery{}, err
	}
	if err != nil {
		return Delivery{}, endpointError(err, id)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), testTimeout)
	defer cancel()
	o := &Outbox{DB: a.DB, Sender: a.Sender}
	if _, err := o.SendTest(ctx, dlv); err != nil {
		if errors.Is(err, ErrEndpointBusy) {
			_ = FailDelivery(ctx, a.DB, dlv, "not attempted: "+err.Error())
		}
		return Delivery{}, apierr.Errorf(http.StatusServiceUnavailable, apierr.Unavailable, "test event %s not sent or not recorded, ask again: %v", dlv, err)
	}
	return GetDelivery(ctx, a.DB, dlv)
}

// Retry makes one attempt at delivery id now, whatever its state, in its workflow; the result
// shows in its attempt log. A digest is retried whole, through its lead, which is returned.
func (a *API) Retry(ctx context.Context, id string) (Delivery, error) {
	d, err := GetDelivery(ctx, a.DB, id)
	if err != nil {
		return Delivery{}, deliveryError(err, id)
	}
	switch {
	case d.Status == DeliveryPending && d.Digest == "" && a.waitsForDigest(ctx, d):
		return Delivery{}, apierr.Errorf(http.StatusConflict, apierr.Conflict, "delivery %s waits for its feed's next digest", quoteID(id))
	case d.Digest != "" && d.Digest != d.ID:
		// A digest is retried whole, through its lead: the same set is sent again.
		if d, err = GetDelivery(ctx, a.DB, d.Digest); err != nil {
			return Delivery{}, deliveryError(err, id)
		}
	}
	if err := a.retry(ctx, d); err != nil {
		return Delivery{}, apierr.Errorf(http.StatusServiceUnavailable, apierr.Unavailable, "cannot start the retry now, ask again: %v", err)
	}
	return d, nil
}

// Recover retries, once each, every failed delivery of destination id created since then,
// and returns how many it started. Nothing is marked before its retry has started (see
// retry), so a recovery cut short by Temporal or by the caller leaves the rest failed, and
// asking again finds them and finishes the job; what the first request started is pending by
// then, or done, and is not sent again.
func (a *API) Recover(ctx context.Context, id string, since time.Time) (int, error) {
	if _, err := GetEndpoint(ctx, a.DB, id); err != nil {
		return 0, endpointError(err, id)
	}
	failed, err := FailedSince(ctx, a.DB, id, since)
	if err != nil {
		return 0, err
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		started int
		sem     = make(chan struct{}, recoverParallel)
	)
	for _, d := range failed {
		sem <- struct{}{}
		if ctx.Err() != nil { // the caller has gone: start no more, and let the next request finish
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			err := a.retry(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				started++
			} else if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	if first != nil {
		return started, apierr.Errorf(http.StatusServiceUnavailable, apierr.Unavailable, "recovery incomplete (%d of %d started), ask again: %v", started, len(failed), first)
	}
	return started, nil
}
