package freshdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/shipflow/shipflow/escalate"
)

// maxAnswer bounds a successful answer: a page of 100 tickets.
const maxAnswer = 16 << 20

// do sends one API request with in as its JSON body (none when nil) and decodes a 2xx answer
// into out (discarded when nil). what names the operation in errors, which never carry the
// API key: it travels only in the Authorization header.
func (t *Tickets) do(ctx context.Context, what, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &escalate.PermanentError{Err: fmt.Errorf("%s: encode request: %w", what, err)}
		}
		body = bytes.NewReader(b)
	}
	target := t.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, redact(err))}
	}
	req.Header.Set("Authorization", t.auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return classify(what, resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(out); err != nil {
		// The request may have taken effect; a retry is safe because Open looks first.
		return fmt.Errorf("%s: decode answer: %w", what, err)
	}
	return nil
}
