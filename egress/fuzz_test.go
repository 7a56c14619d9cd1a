package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"testing"
)

// FuzzCheckURL checks that CheckURL never panics, fails only with its
// documented errors, and accepts nothing that breaks its own rules.
func FuzzCheckURL(f *testing.F) {
	for _, seed := range []string{
		"https://hooks.example.com/shipflow",
		"http://127.0.0.1:8080/",
		"https://user:pw@example.com/",
		"https://[fe80::1%25eth0]:443/",
		"https://[::ffff:169.254.169.254]/",
		"https://0x7f.1/",
		"https:opaque",
		"",
		"%zz",
		"https://example.com:99999/",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	allowed := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	f.Fuzz(func(t *testing.T, raw string, allowHTTP bool) {
		err := CheckURL(raw, Policy{AllowHTTP: allowHTTP, Allowed: allowed})
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) && !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("CheckURL(%q) = %v, wrapping neither documented error", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("CheckURL(%q) accepted a URL that does not parse: %v", raw, perr)
		}
		if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
			t.Fatalf("CheckURL(%q) accepted scheme %q", raw, u.Scheme)
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("CheckURL(%q) accepted user information or an empty host", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil {
			if refusal(a, allowed) != "" {
				t.Fatalf("CheckURL(%q) accepted forbidden address %s", raw, a)
			}
		}
	})
}
