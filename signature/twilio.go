package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Twilio webhook signatures (status callbacks, inbound messages).
//
// Twilio's "Secure webhooks" guide: X-Twilio-Signature is the base64
// HMAC-SHA1, keyed with the account's primary auth token, of the full URL
// Twilio requested (query included) followed, for a form post, by every POST
// parameter sorted by name, each name immediately followed by its value, no
// separators. For an application/json post Twilio adds a bodySHA256 query
// parameter (hex SHA-256 of the raw body) and signs the URL alone. Twilio
// signs the URL sometimes with and sometimes without the default port, so
// both forms are tried, as its helper libraries do. A name that repeats
// (Twilio's messaging webhooks never repeat one) is signed, per the Python
// and Node helpers, as every value in sorted order, each after the name;
// twilio-go signs only the first value, so that form is tried too.
//
// twilio-go's RequestValidator builds the signed string by appending to a
// Go string one parameter at a time, which is quadratic: a 1 MiB form of
// 10,000 parameters cost seconds of CPU before its forged signature was
// refused. VerifyTwilio writes into the MAC once per candidate, refuses a
// form over TwilioMaxParams before parsing it, and expects its caller to
// cap the body at TwilioMaxBody.

const (
	// TwilioMaxBody is the most a Twilio webhook body may hold. Twilio's
	// status callbacks are a few hundred bytes and an inbound message, with
	// a 1,600-character body percent-encoded and ten media URLs, stays
	// under 25 KB.
	TwilioMaxBody = 64 << 10

	// TwilioMaxParams is the most parameters a Twilio webhook form may
	// carry. An inbound WhatsApp message with ten media items has about 50.
	TwilioMaxParams = 100

	// twilioBodyHash is the query parameter Twilio adds for a JSON body.
	twilioBodyHash = "bodySHA256"

	// maxTwilioSignature bounds X-Twilio-Signature: base64 of a SHA-1 MAC
	// is 28 characters.
	maxTwilioSignature = 64
)

// VerifyTwilio checks a webhook Twilio posted to rawURL, the full public URL
// it was given (scheme, host, path and query exactly as configured, not as
// the request arrived behind a proxy), with body and X-Twilio-Signature
// header. It passes when the signature was made with any of tokens: the
// primary auth token and, during a rotation, the one before. On success it
// returns the posted form, or nil for a JSON body (signed with bodySHA256).
//
// An empty header is ErrMissing; a header that is not the base64 of a SHA-1
// MAC, or a signature made with none of tokens, is ErrMismatch; a body over
// TwilioMaxBody, a form of more than TwilioMaxParams parameters or one that
// is not form-encoded is ErrMalformed; no token, or an empty one, is
// ErrBadSecret. Its cost is linear in the body and the URL.
func VerifyTwilio(tokens []string, rawURL, header string, body []byte) (url.Values, error) {
	if err := checkSecrets(tokens); err != nil {
		return nil, err
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return nil, fmt.Errorf("%w: no X-Twilio-Signature", ErrMissing)
	}
	if len(header) > maxTwilioSignature {
		return nil, fmt.Errorf("%w: X-Twilio-Signature is longer than %d bytes", ErrMismatch, maxTwilioSignature)
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha1.Size {
		return nil, fmt.Errorf("%w: X-Twilio-Signature is not base64 of a SHA-1 MAC", ErrMismatch)
	}
	if len(body) > TwilioMaxBody {
		return nil, fmt.Errorf("%w: body is larger than %d bytes", ErrMalformed, TwilioMaxBody)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: webhook URL does not parse", ErrMismatch)
	}

	var form url.Values
	var params [][]byte // the signed parameter strings to try
	if sum := u.Query().Get(twilioBodyHash); sum != "" {
		if !twilioBodyMatches(body, sum) {
			return nil, fmt.Errorf("%w: body does not match %s", ErrMismatch, twilioBodyHash)
		}
		params = [][]byte{nil}
	} else {
		if n := bytes.Count(body, []byte{'&'}) + 1; n > TwilioMaxParams {
			return nil, fmt.Errorf("%w: form has more than %d parameters", ErrMalformed, TwilioMaxParams)
		}
		if form, err = url.ParseQuery(string(body)); err != nil {
			return nil, fmt.Errorf("%w: body is not form-encoded", ErrMalformed)
		}
		params = twilioParams(form, len(body))
	}

	for _, tok := range tokens {
		for _, addr := range twilioURLs(rawURL, u) {
			for _, p := range params {
				m := hmac.New(sha1.New, []byte(tok))
				m.Write([]byte(addr))
				m.Write(p)
				if hmac.Equal(got, m.Sum(nil)) {
					return form, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%w: X-Twilio-Signature", ErrMismatch)
}

// SignTwilio returns the X-Twilio-Signature Twilio sends with form posted to
// rawURL under token: the canonical form, with the URL as given. It exists
// for tests and for local tools that replay Twilio webhooks.
func SignTwilio(token, rawURL string, form url.Values) string {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(rawURL))
	m.Write(twilioParams(form, 0)[0])
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// twilioParams returns the parameter strings a signature over form may
// cover: the canonical one (names sorted, each value of a name sorted and
// written after the name) and, when a name repeats, twilio-go's (the first
// value of each name only). Each is built once, in one buffer no longer than
// the decoded form; size, the encoded form's length, is enough for either.
func twilioParams(form url.Values, size int) [][]byte {
	names := make([]string, 0, len(form))
	repeated := false
	for k, vs := range form {
		names = append(names, k)
		repeated = repeated || len(vs) > 1
	}
	slices.Sort(names)
	var all bytes.Buffer
	all.Grow(size)
	for _, k := range names {
		vs := form[k]
		if len(vs) > 1 {
			vs = slices.Sorted(slices.Values(vs))
		}
		for _, v := range vs {
			all.WriteString(k)
			all.WriteString(v)
		}
	}
	if !repeated {
		return [][]byte{all.Bytes()}
	}
	var first bytes.Buffer
	first.Grow(size)
	for _, k := range names {
		first.WriteString(k)
		first.WriteString(form[k][0])
	}
	return [][]byte{all.Bytes(), first.Bytes()}
}

// twilioURLs returns rawURL as given and with its port toggled: the default
// port of its scheme added when it has none, removed when it has one. Twilio
// signs either, depending on the product.
func twilioURLs(rawURL string, u *url.URL) []string {
	other := *u
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		other.Host = net.JoinHostPort(u.Hostname(), port)
	} else {
		other.Host = u.Hostname()
		if strings.Contains(other.Host, ":") {
			other.Host = "[" + other.Host + "]" // an IPv6 literal
		}
	}
	return []string{rawURL, other.String()}
}

// twilioBodyMatches reports whether want, the bodySHA256 query parameter, is
// the hex SHA-256 of body. The comparison is over the decoded bytes, in
// constant time.
func twilioBodyMatches(body []byte, want string) bool {
	w, err := hex.DecodeString(want)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(body)
	return subtle.ConstantTimeCompare(sum[:], w) == 1
}
