package twilio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxErrorBody bounds how much of an error answer is kept: enough for Twilio's JSON error.
const maxErrorBody = 64 << 10

// transport carries one send's requests. It exists because twilio-go has neither a base URL
// setter nor a context parameter: it moves each request from https://api.twilio.com to the
// configured API URL, puts the send's context on it, and notes the HTTP status so that an
// error answer twilio-go cannot decode is still classified by its status.
//
// A transport serves one send, so its fields need no lock: http.Client calls RoundTrip on the
// caller's goroutine and twilio-go reads the answer before CreateMessage returns.
type transport struct {
	ctx    context.Context
	base   http.RoundTripper
	target *url.URL // nil: leave the URL alone

	status  int    // HTTP status of the last answer, 0 before one arrives
	errBody []byte // the body of the last answer with status >= 400
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(t.ctx)
	if t.target != nil {
		rewrite(r, t.target)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.status = resp.StatusCode
	if resp.StatusCode >= 400 {
		// twilio-go decodes error bodies but never closes them, which would pin the connection;
		// read the body here, close it, and hand twilio-go a copy.
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		t.errBody = b
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// rewrite points r at target: its scheme and host replace Twilio's (whatever edge or region
// twilio-go chose), and its path, if any, prefixes the API path. TLS follows the scheme.
func rewrite(r *http.Request, target *url.URL) {
	prefix := strings.TrimRight(target.Path, "/")
	rawPrefix := strings.TrimRight(target.EscapedPath(), "/")
	r.URL.Scheme = target.Scheme
	r.URL.Host = target.Host
	r.Host = target.Host // the Host header, which http.NewRequest set to api.twilio.com
	if prefix != "" {
		rawPath := rawPrefix + r.URL.EscapedPath()
		r.URL.Path = prefix + r.URL.Path
		r.URL.RawPath = ""
		if rawPath != r.URL.EscapedPath() {
			r.URL.RawPath = rawPath
		}
	}
}
