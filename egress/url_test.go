package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	strict := Policy{}
	dev := Policy{AllowHTTP: true, Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	tests := []struct {
		raw  string
		p    Policy
		want error // nil, ErrInvalidURL or ErrForbiddenAddress
	}{
		// Accepted: https with a name or a public literal address. Names
		// are not resolved, so even one that resolves to loopback passes;
		// the dialer refuses it later.
		{raw: "https://hooks.example.com/shipflow", p: strict},
		{raw: "https://hooks.example.com:8443/a?b=c#d", p: strict},
		{raw: "https://localhost/", p: strict},
		{raw: "https://8.8.8.8/hook", p: strict},
		{raw: "https://[2606:4700:4700::1111]:443/hook", p: strict},
		{raw: "HTTPS://Hooks.Example.COM/", p: strict},
		{raw: "https://xn--bcher-kva.example/", p: strict},
		{raw: "https://1.example.com/", p: strict},
		{raw: "https://example.123a/", p: strict},

		// Scheme.
		{raw: "http://hooks.example.com/", p: strict, want: ErrInvalidURL},
		{raw: "http://hooks.example.com/", p: Policy{AllowHTTP: true}},
		{raw: "ftp://hooks.example.com/", p: dev, want: ErrInvalidURL},
		{raw: "file:///etc/passwd", p: dev, want: ErrInvalidURL},
		{raw: "gopher://127.0.0.1:6379/_", p: dev, want: ErrInvalidURL},
		{raw: "//hooks.example.com/", p: strict, want: ErrInvalidURL},
		{raw: "hooks.example.com/path", p: strict, want: ErrInvalidURL},

		// Host.
		{raw: "https:///path", p: strict, want: ErrInvalidURL},
		{raw: "https:hooks.example.com", p: strict, want: ErrInvalidURL},
		{raw: "https://:443/", p: strict, want: ErrInvalidURL},
		{raw: "https://hooks.example.com:0/", p: strict, want: ErrInvalidURL},
		{raw: "https://hooks.example.com:65536/", p: strict, want: ErrInvalidURL},

		// User information.
		{raw: "https://user:s3cret@hooks.example.com/", p: strict, want: ErrInvalidURL},
		{raw: "https://user@hooks.example.com/", p: strict, want: ErrInvalidURL},
		{raw: "https://@hooks.example.com/", p: strict, want: ErrInvalidURL},

		// Literal addresses get the dialer's rule.
		{raw: "https://127.0.0.1/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://10.0.0.5:8443/hook", p: strict, want: ErrForbiddenAddress},
		{raw: "https://169.254.169.254/latest/meta-data/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://192.168.1.10/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://[::1]/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://[fe80::1%25eth0]/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://[::ffff:127.0.0.1]/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://[64:ff9b::a9fe:a9fe]/", p: strict, want: ErrForbiddenAddress},
		{raw: "https://0.0.0.0/", p: strict, want: ErrForbiddenAddress},
		{raw: "http://127.0.0.1:8080/", p: dev},
		{raw: "http://[::1]:8080/", p: dev, want: ErrForbiddenAddress},

		// Non-canonical spellings of IPv4 addresses.
		{raw: "https://2130706433/", p: strict, want: ErrInvalidURL},
		{raw: "https://0x7f.1/", p: strict, want: ErrInvalidURL},
		{raw: "https://127.1/", p: strict, want: ErrInvalidURL},
		{raw: "https://0177.0.0.1/", p: strict, want: ErrInvalidURL},
		{raw: "https://example.0x10/", p: strict, want: ErrInvalidURL},

		// Garbage.
		{raw: "", p: strict, want: ErrInvalidURL},
		{raw: "not a url", p: strict, want: ErrInvalidURL},
		{raw: "https://exa mple.com/", p: strict, want: ErrInvalidURL},
		{raw: "https://[::1/", p: strict, want: ErrInvalidURL},
		{raw: "https://example.com:port/", p: strict, want: ErrInvalidURL},
		{raw: "https://example.com/\x7f", p: strict, want: ErrInvalidURL},
		{raw: "://missing-scheme", p: strict, want: ErrInvalidURL},
	}
	for _, tt := range tests {
		err := CheckURL(tt.raw, tt.p)
		if tt.want == nil {
			if err != nil {
				t.Errorf("CheckURL(%q, %+v) = %v, want nil", tt.raw, tt.p, err)
			}
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("CheckURL(%q, %+v) = %v, want %v", tt.raw, tt.p, err, tt.want)
		}
	}
}

// TestCheckURLHidesCredentials checks that no error repeats the URL's user
// information, even when the URL fails to parse after it.
func TestCheckURLHidesCredentials(t *testing.T) {
	for _, raw := range []string{
		"https://admin:hunter2@hooks.example.com/",
		"https://admin:hunter2@127.0.0.1/",
		"https://admin:hunter2@hooks.example.com:bad/",
		"https://admin:hunter2@[::1/",
		"ftp://admin:hunter2@hooks.example.com/",
	} {
		err := CheckURL(raw, Policy{})
		if err == nil {
			t.Errorf("CheckURL(%q) = nil, want an error", raw)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("CheckURL(%q) = %q, which leaks the password", raw, err)
		}
	}
}
