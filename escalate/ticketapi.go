package escalate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// TicketAPI is the JSON API of a ticketing system (Zendesk, Freshdesk): where it is and the
// Authorization header that is the only place its credentials travel.
type TicketAPI struct {
	Base string // scheme and host, no trailing slash
	Auth string // the Authorization header's value
	HC   *http.Client
	// MaxAnswer bounds a successful answer (a page of tickets).
	MaxAnswer int64
	// Classify turns a non-2xx answer into an error: permanent, retryable, or retryable after
	// a wait (RetryAfterError).
	Classify func(what string, resp *http.Response) error
}

// Call sends one request with in as its JSON body (none when nil) and decodes a 2xx answer
// into out (discarded when nil). what names the operation in errors, which never carry the
// credentials, the host or the query: only the method and the path. A garbled answer is
// retryable: the request may have taken effect, and the ticketing clients look a ticket up
// before they open one, so a retry opens nothing twice.
func (a TicketAPI) Call(ctx context.Context, what, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &PermanentError{Err: fmt.Errorf("%s: encode request: %w", what, err)}
		}
		body = bytes.NewReader(b)
	}
	target := a.Base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return &PermanentError{Err: fmt.Errorf("%s: %w", what, RedactPath(err))}
	}
	req.Header.Set("Authorization", a.Auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.HC.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, RedactPath(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return a.Classify(what, resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, a.MaxAnswer))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, a.MaxAnswer)).Decode(out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", what, err)
	}
	return nil
}

// RedactPath shortens the URL net/http puts in its errors to the method and path: the host
// names the customer's account and the query may hold a requester's email.
func RedactPath(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	path := "request"
	if u, perr := url.Parse(ue.URL); perr == nil {
		path = u.Path
	}
	return fmt.Errorf("%s %s: %w", ue.Op, path, ue.Err)
}
