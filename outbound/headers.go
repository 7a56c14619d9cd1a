package outbound

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Headers are an endpoint's own request headers, name to value, sent with every attempt at
// it (first attempts, retries, test events): an Authorization for a receiver behind an API
// gateway, a routing key. Values are secrets as much as the signing secret is: the API never
// shows them whole once saved (Masked). docs/reference/outbound-webhooks.md has the rules.
type Headers map[string]string

// Limits of an endpoint's headers. They keep a request within what proxies and servers take
// (8 KiB of headers is the common floor) with room for shipflow's own.
const (
	maxHeaders        = 20
	maxHeaderNameLen  = 64
	maxHeaderValueLen = 4096
	// maxHeadersSize counts every name and value together.
	maxHeadersSize = 8192
)

// reservedHeaders are the names (lower case) an endpoint may not set: the ones the protocol,
// the signature or the transport own. A Content-Length or Transfer-Encoding of the
// subscriber's would frame the body wrongly, a Host or Connection redirect or break the
// connection, an Accept-Encoding hand back an answer the client no longer decompresses, and
// User-Agent is shipflow's contract (outbound.UserAgent).
var reservedHeaders = []string{
	"host", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
	"expect", "http2-settings", "accept-encoding", "user-agent",
}

// reservedPrefixes are the name families an endpoint may not set: Standard Webhooks' own
// (webhook-id, -timestamp, -signature) and the svix- ones its libraries read as the same, the
// body's description (Content-Type, Content-Length, Content-Encoding...), and the hop-by-hop
// Proxy- ones.
var reservedPrefixes = []string{"webhook-", "svix-", "content-", "proxy-"}

// reserved reports whether an endpoint may not set the header name.
func reserved(name string) bool {
	n := strings.ToLower(name)
	if slices.Contains(reservedHeaders, n) {
		return true
	}
	return slices.ContainsFunc(reservedPrefixes, func(p string) bool { return strings.HasPrefix(n, p) })
}

// HeaderError is a header an endpoint may not have; the API answers it 400 invalid_field.
type HeaderError struct{ msg string }

func (e *HeaderError) Error() string { return e.msg }

func headerErrorf(format string, args ...any) error {
	return &HeaderError{msg: fmt.Sprintf(format, args...)}
}

// CheckHeader refuses a header that is not one an endpoint may send: a name that is not an
// RFC 9110 token of at most maxHeaderNameLen bytes or is reserved, and a value that is empty,
// longer than maxHeaderValueLen, or holds anything but visible ASCII and inner spaces (no
// control character, no line break, nothing that could end the header early).
func CheckHeader(name, value string) error {
	if err := checkHeaderName(name); err != nil {
		return err
	}
	switch {
	case reserved(name):
		return headerErrorf("headers[%s]: shipflow sets this header itself or it would break the request; it cannot be set", quoteName(name))
	case value == "":
		return headerErrorf("headers[%s]: must not be empty (set it to null to remove it)", quoteName(name))
	case len(value) > maxHeaderValueLen:
		return headerErrorf("headers[%s]: must be at most %d bytes, got %d", quoteName(name), maxHeaderValueLen, len(value))
	case value[0] == ' ' || value[len(value)-1] == ' ':
		return headerErrorf("headers[%s]: must not begin or end with a space", quoteName(name))
	}
	for i := range len(value) {
		if c := value[i]; c < ' ' || c > '~' {
			return headerErrorf("headers[%s]: must be visible ASCII and spaces, found byte 0x%02X at %d", quoteName(name), c, i)
		}
	}
	return nil
}

// checkHeaderName refuses a name that is not an RFC 9110 token of at most maxHeaderNameLen
// bytes.
func checkHeaderName(name string) error {
	switch {
	case name == "":
		return headerErrorf("headers: a header name must not be empty")
	case len(name) > maxHeaderNameLen:
		return headerErrorf("headers: name %s is longer than %d bytes", quoteName(name), maxHeaderNameLen)
	case strings.ContainsFunc(name, func(r rune) bool { return !tchar(r) }):
		return headerErrorf("headers: name %s must be a token (letters, digits and !#$%%&'*+-.^_`|~)", quoteName(name))
	}
	return nil
}

// tchar is RFC 9110's token character.
func tchar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// quoteName quotes a header name for an error message, escaped and cut at 32 bytes (which
// escaping may make 128 characters), so a hostile name never comes back long or raw.
func quoteName(name string) string {
	const max = 32
	if len(name) > max {
		return fmt.Sprintf("%+q…", name[:max])
	}
	return fmt.Sprintf("%+q", name)
}

// CheckHeaders checks a whole set: each header (CheckHeader), at most maxHeaders of them, no
// two names that differ only in case (HTTP does not tell them apart), and at most
// maxHeadersSize bytes of names and values.
func CheckHeaders(h Headers) error {
	if len(h) > maxHeaders {
		return headerErrorf("headers: at most %d headers, got %d", maxHeaders, len(h))
	}
	size := 0
	seen := make(map[string]string, len(h))
	for _, name := range slices.Sorted(maps.Keys(h)) {
		if err := CheckHeader(name, h[name]); err != nil {
			return err
		}
		canon := http.CanonicalHeaderKey(name)
		if other, ok := seen[canon]; ok {
			return headerErrorf("headers: %s and %s are the same header", quoteName(other), quoteName(name))
		}
		seen[canon] = name
		size += len(name) + len(h[name])
	}
	if size > maxHeadersSize {
		return headerErrorf("headers: at most %d bytes of names and values together, got %d", maxHeadersSize, size)
	}
	return nil
}

// Merge applies a PATCH's headers to h, as JSON Merge Patch (RFC 7396) does: a name with a
// value sets it, replacing a header of the same name in any case; a name with nil removes it;
// names left out stay. h is not changed.
func (h Headers) Merge(patch map[string]*string) Headers {
	out := maps.Clone(h)
	if out == nil {
		out = Headers{}
	}
	for name, v := range patch {
		for old := range out {
			if strings.EqualFold(old, name) {
				delete(out, old)
			}
		}
		if v != nil {
			out[name] = *v
		}
	}
	return out
}

// maskedValue is what the API shows of every saved value: the first two characters of a
// value long enough that they give little away, and always the same number of asterisks, so
// the length does not show either.
func maskedValue(v string) string {
	const stars = "********"
	if len(v) < 12 {
		return stars
	}
	return v[:2] + stars
}

// Masked is h as the API shows it: every name, no value whole.
func (h Headers) Masked() map[string]string {
	out := make(map[string]string, len(h))
	for name, v := range h {
		out[name] = maskedValue(v)
	}
	return out
}

// set adds h to a request's headers. Names are canonicalised as net/http does; CheckHeaders
// saw to it that none collides with another or with a header shipflow sets.
func (h Headers) set(req http.Header) {
	for name, v := range h {
		req.Set(name, v)
	}
}
