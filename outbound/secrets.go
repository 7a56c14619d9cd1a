package outbound

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/payload"
)

// Secrets at rest: what a subscriber gave us to reach them is sealed in Postgres under
// SHIPFLOW_SECRET_KEYS (payload.Codec.SealText), as a connector's credentials are
// (credentials.go): the signing secret and the previous one, each header value, and the URL of
// a destination whose URL is a secret (Kind.SecretURL), so neither the database nor its
// backups hold anything to sign, post or authenticate with. An Endpoint as the store returns
// it holds them sealed; Open opens them where they are used: an attempt, the answer that shows
// a new secret once, the hints a page shows.

// Labels bind each sealed value to its column (and a header value to its name): a value
// copied into another column does not open.
const (
	labelSecret   = "webhook_endpoints.secret"
	labelPrevious = "webhook_endpoints.previous_secret"
	labelURL      = "webhook_endpoints.url_sealed"
)

func headerLabel(name string) string { return "webhook_endpoints.headers." + name }

// keepError is the refusal of a secret that cannot be kept for want of keys: the same 409 a
// connector's credentials get, naming the setting.
func keepError(err error) error {
	if errors.Is(err, payload.ErrNoKeys) {
		return apierr.Errorf(http.StatusConflict, apierr.Conflict, "secrets cannot be kept: %v", err)
	}
	return err
}

// sealString seals s under label; keepError says why it could not be.
func sealString(c *payload.Codec, s, label string) (string, error) {
	sealed, err := c.SealText([]byte(s), label)
	return sealed, keepError(err)
}

// openString opens s, sealed under label. A value not sealed at all was stored before its
// column was (or by a replica not yet upgraded): it is used as it is until the reseal pass
// seals it.
func openString(c *payload.Codec, s, label string) (string, error) {
	if s == "" || !payload.IsSealed(s) {
		return s, nil
	}
	plain, err := c.OpenText(s, label)
	return string(plain), err
}

// sealHeaders seals every value of h; names stay in clear, as the API lists them.
func sealHeaders(c *payload.Codec, h Headers) (Headers, error) {
	out := make(Headers, len(h))
	for name, v := range h {
		s, err := sealString(c, v, headerLabel(name))
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// openHeaders opens every value of h.
func openHeaders(c *payload.Codec, h Headers) (Headers, error) {
	out := make(Headers, len(h))
	for name, v := range h {
		s, err := openString(c, v, headerLabel(name))
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", quoteName(name), err)
		}
		out[name] = s
	}
	return out, nil
}

// sealURL is how a destination of kind k keeps url: in the url column as it may be shown, and
// whole in url_sealed when it is a secret (nil when it is not).
func sealURL(c *payload.Codec, k Kind, url string) (shown string, sealed *string, err error) {
	if !k.SecretURL() {
		return url, nil, nil
	}
	s, err := sealString(c, url, labelURL)
	if err != nil {
		return "", nil, err
	}
	return MaskURL(url), &s, nil
}

// Open is e with its secrets opened: the signing secrets, the header values and a secret URL
// whole. Credentials stay sealed (Credentials.Open opens them for an attempt).
func (e Endpoint) Open(c *payload.Codec) (Endpoint, error) {
	var err error
	if e.Secret, err = openString(c, e.Secret, labelSecret); err != nil {
		return e, fmt.Errorf("endpoint %s: secret: %w", e.ID, err)
	}
	if e.Previous, err = openString(c, e.Previous, labelPrevious); err != nil {
		return e, fmt.Errorf("endpoint %s: previous secret: %w", e.ID, err)
	}
	if e.Headers, err = openHeaders(c, e.Headers); err != nil {
		return e, fmt.Errorf("endpoint %s: %w", e.ID, err)
	}
	if e.URLSealed != "" {
		if e.URL, err = openString(c, e.URLSealed, labelURL); err != nil {
			return e, fmt.Errorf("endpoint %s: url: %w", e.ID, err)
		}
		e.URLSealed = ""
	}
	return e, nil
}

// Shown is e opened for a page or an answer that shows hints of its secrets (SecretHint,
// Headers.Masked). What does not open (the keys changed under it) shows as nothing rather than
// as its sealed text.
func (e Endpoint) Shown(c *payload.Codec) Endpoint {
	if o, err := e.Open(c); err == nil {
		return o
	}
	e.Secret, e.Previous = "", ""
	h := make(Headers, len(e.Headers))
	for name := range e.Headers {
		h[name] = ""
	}
	e.Headers = h
	return e
}
