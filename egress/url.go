package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidURL is wrapped by CheckURL's errors for a URL that is not an
// acceptable webhook destination for reasons other than its address:
// unparsable, the wrong scheme, no host, credentials, a bad port. The
// management API answers both it and ErrForbiddenAddress with 422.
var ErrInvalidURL = errors.New("egress: invalid URL")

// CheckURL is the check to run when a URL is saved, so that a destination
// that could never be delivered to is refused at once with a message,
// rather than failing at every delivery attempt. It requires an absolute
// https URL (http too if p.AllowHTTP) with a host, refuses user
// information (credentials would be stored and logged with the URL; a
// receiver authenticates us by the signature), and checks a literal IP
// host with the same rule as the dialer.
//
// It does not resolve a host name: the answer could change before the
// first delivery, so it would prove nothing (see the package
// documentation). Delivery must go through NewClient's client, whose
// dial-time guard is the real one.
//
// Errors wrap ErrInvalidURL or ErrForbiddenAddress and never contain the
// URL's user information.
func CheckURL(raw string, p Policy) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, credentials included; keep only
		// the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("%w: scheme must be https (plain http is not allowed here)", ErrInvalidURL)
	case u.Scheme == "":
		return fmt.Errorf("%w: not an absolute URL (no scheme)", ErrInvalidURL)
	default:
		return fmt.Errorf("%w: scheme must be https, not %q", ErrInvalidURL, u.Scheme)
	}
	if u.Opaque != "" {
		return fmt.Errorf("%w: %s: URL has no host (write %s://host/...)", ErrInvalidURL, u.Scheme, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: user information (user:password@) is not allowed in the URL", ErrInvalidURL)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: URL has no host", ErrInvalidURL)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("%w: port %q is not between 1 and 65535", ErrInvalidURL, port)
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return checkAddr(a, p.Allowed, a.String())
	}
	if numericHost(host) {
		// 2130706433, 0x7f.1, 127.1: not a name and not a canonical
		// address, but some resolvers (glibc's inet_aton) and browsers
		// read them as 127.0.0.1. The dialer would refuse such an address
		// anyway; refusing the spelling now says why.
		return fmt.Errorf("%w: host %q looks like a non-canonical IP address; write it in dotted-decimal form", ErrInvalidURL, host)
	}
	return nil
}

// numericHost reports whether host's last label is a number, decimal or
// 0x-prefixed hex, which the WHATWG URL standard takes to mean the host is
// an IPv4 address however it is written. No top-level domain is numeric.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	digits, base := last, "0123456789"
	if len(last) >= 2 && (last[:2] == "0x" || last[:2] == "0X") {
		digits, base = last[2:], "0123456789abcdefABCDEF"
	}
	for _, c := range digits {
		if !strings.ContainsRune(base, c) {
			return false
		}
	}
	return true
}
