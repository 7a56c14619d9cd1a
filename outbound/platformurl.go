package outbound

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/egress"
)

// platformURL is the API base an attempt calls: the endpoint's URL (its path and a trailing
// slash dropped), else def. Credentials go only to the platform's host over https, or to a
// stand-in at an address the egress policy allows explicitly (tests, `shipflow dev`).
func platformURL(raw, def, host string, p egress.Policy) (string, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("api url %q: not an absolute URL", raw)
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if !(u.Scheme == "https" && hostMatches(h, host)) && !standIn(h, p) {
		return "", fmt.Errorf("api url %q: credentials go only to https://%s", raw, strings.TrimPrefix(host, "."))
	}
	return u.Scheme + "://" + u.Host, nil
}

// hostMatches reports whether h is host, or ends with it when host starts with a dot.
func hostMatches(h, host string) bool {
	if strings.HasPrefix(host, ".") {
		return strings.HasSuffix(h, host) && len(h) > len(host)
	}
	return h == host
}

// checkKey refuses a credential that is not prefix followed by minLen to maxLen letters and
// digits: the form the platform issues its keys in. The value is never quoted back.
func checkKey(field, v, prefix string, minLen, maxLen int) error {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok || len(rest) < minLen || len(rest) > maxLen {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "%s: must be %s%d to %d letters and digits", field, describePrefix(prefix), minLen, maxLen)
	}
	for i := range len(rest) {
		if c := rest[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "%s: must be letters and digits only, found byte 0x%02X at %d", field, c, len(prefix)+i)
		}
	}
	return nil
}

// describePrefix says what a key starts with, for checkKey's message.
func describePrefix(p string) string {
	if p == "" {
		return ""
	}
	return strconv.Quote(p) + " followed by "
}

// checkPlatformURL refuses an endpoint url that is not an https URL on the platform's host
// (a suffix when host starts with a dot): credentials would go elsewhere. A host that is an
// IP address or localhost is a stand-in, which the egress policy decides on like any URL.
// Empty is the platform's default unless required.
func checkPlatformURL(raw, host string, required bool) error {
	if raw == "" {
		if required {
			return apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "url: the account's API URL is required (https://<account>%s)", host)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable, "url: must be the API's base URL, https://%s", strings.TrimPrefix(host, "."))
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if _, err := netip.ParseAddr(h); err == nil || h == "localhost" {
		return nil
	}
	if u.Scheme != "https" || !hostMatches(h, host) {
		want := host
		if strings.HasPrefix(host, ".") {
			want = "<account>" + host
		}
		return apierr.Errorf(http.StatusUnprocessableEntity, apierr.Unprocessable, "url: credentials go only to https://%s, not %s", want, h)
	}
	return nil
}
