package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	private := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		addr    string
		allowed []netip.Prefix
		ok      bool
		reason  string // part of the refusal message
	}{
		// Global addresses.
		{addr: "8.8.8.8", ok: true},
		{addr: "1.1.1.1", ok: true},
		{addr: "93.184.215.14", ok: true},
		{addr: "2606:4700:4700::1111", ok: true},
		{addr: "2001:4860:4860::8888", ok: true},
		{addr: "::ffff:8.8.8.8", ok: true},
		{addr: "64:ff9b::808:808", ok: true}, // NAT64 of 8.8.8.8
		{addr: "2002:808:808::1", ok: true},  // 6to4 of 8.8.8.8
		{addr: "172.32.0.1", ok: true},       // just past 172.16/12
		{addr: "100.128.0.1", ok: true},      // just past 100.64/10
		{addr: "198.20.0.1", ok: true},       // just past 198.18/15
		{addr: "223.255.255.254", ok: true},  // just below multicast

		// IPv4 non-global ranges.
		{addr: "0.0.0.0", reason: "this network"},
		{addr: "0.1.2.3", reason: "this network"},
		{addr: "10.0.0.1", reason: "private"},
		{addr: "10.255.255.255", reason: "private"},
		{addr: "100.64.0.1", reason: "carrier-grade NAT"},
		{addr: "100.127.255.254", reason: "carrier-grade NAT"},
		{addr: "127.0.0.1", reason: "loopback"},
		{addr: "127.255.255.254", reason: "loopback"},
		{addr: "169.254.169.254", reason: "link-local"},
		{addr: "169.254.0.1", reason: "link-local"},
		{addr: "172.16.0.1", reason: "private"},
		{addr: "172.31.255.254", reason: "private"},
		{addr: "192.0.0.8", reason: "IETF protocol"},
		{addr: "192.0.2.1", reason: "documentation"},
		{addr: "192.88.99.1", reason: "6to4 relay"},
		{addr: "192.168.1.1", reason: "private"},
		{addr: "198.18.0.1", reason: "benchmarking"},
		{addr: "198.19.255.254", reason: "benchmarking"},
		{addr: "198.51.100.7", reason: "documentation"},
		{addr: "203.0.113.9", reason: "documentation"},
		{addr: "224.0.0.1", reason: "multicast"},
		{addr: "239.255.255.250", reason: "multicast"},
		{addr: "240.0.0.1", reason: "reserved"},
		{addr: "255.255.255.254", reason: "reserved"},
		{addr: "255.255.255.255", reason: "broadcast"},

		// IPv6 non-global ranges.
		{addr: "::", reason: "unspecified"},
		{addr: "::1", reason: "loopback"},
		{addr: "fe80::1", reason: "link-local"},
		{addr: "fe80::1%eth0", reason: "link-local"},
		{addr: "febf::1", reason: "link-local"},
		{addr: "fec0::1", reason: "site-local"},
		{addr: "fc00::1", reason: "unique local"},
		{addr: "fd12:3456::1", reason: "unique local"},
		{addr: "ff02::1", reason: "multicast"},
		{addr: "ff05::1:3", reason: "multicast"},
		{addr: "2001:db8::1", reason: "documentation"},
		{addr: "3fff::1", reason: "documentation"},
		{addr: "2001::1", reason: "Teredo"},         // Teredo
		{addr: "2001:2::1", reason: "benchmarking"}, // inside 2001::/23
		{addr: "100::1", reason: "discard-only"},
		{addr: "5f00::1", reason: "SRv6"},
		{addr: "64:ff9b:1::1", reason: "local-use NAT64"},
		{addr: "::7f00:1", reason: "outside the IPv6 global unicast"},        // deprecated IPv4-compatible
		{addr: "::ffff:0:7f00:1", reason: "outside the IPv6 global unicast"}, // SIIT IPv4-translated
		{addr: "4000::1", reason: "outside the IPv6 global unicast"},

		// IPv4-mapped IPv6: judged as the IPv4 address they connect to.
		{addr: "::ffff:127.0.0.1", reason: "loopback"},
		{addr: "::ffff:169.254.169.254", reason: "link-local"},
		{addr: "::ffff:10.1.2.3", reason: "private"},
		{addr: "::ffff:0.0.0.0", reason: "this network"},

		// Translation prefixes carrying a forbidden IPv4 address.
		{addr: "64:ff9b::7f00:1", reason: "embedding 127.0.0.1, which is loopback"},
		{addr: "64:ff9b::a9fe:a9fe", reason: "embedding 169.254.169.254"},
		{addr: "64:ff9b::a00:1", reason: "embedding 10.0.0.1"},
		{addr: "2002:7f00:1::1", reason: "6to4 (2002::/16) embedding 127.0.0.1"},
		{addr: "2002:c0a8:101::1", reason: "embedding 192.168.1.1"},

		// Not an address at all.
		{addr: "", reason: "not a valid IP address"},

		// Allowed overrides the rule, and only inside its ranges.
		{addr: "127.0.0.1", allowed: loopback, ok: true},
		{addr: "127.9.9.9", allowed: loopback, ok: true},
		{addr: "::ffff:127.0.0.1", allowed: loopback, ok: true},
		{addr: "::1", allowed: loopback, reason: "loopback"},
		{addr: "10.1.2.3", allowed: loopback, reason: "private"},
		{addr: "10.1.2.3", allowed: private, ok: true},
		{addr: "fd00::5", allowed: private, ok: true},
		{addr: "64:ff9b::a00:1", allowed: private, ok: true},
		{addr: "192.168.0.1", allowed: private, reason: "private"},
		{addr: "8.8.8.8", allowed: private, ok: true},
	}
	for _, tt := range tests {
		var a netip.Addr
		if tt.addr != "" {
			a = netip.MustParseAddr(tt.addr)
		}
		err := checkAddr(a, tt.allowed, tt.addr)
		if tt.ok {
			if err != nil {
				t.Errorf("checkAddr(%q, %v) = %v, want nil", tt.addr, tt.allowed, err)
			}
			continue
		}
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("checkAddr(%q, %v) = %v, want ErrForbiddenAddress", tt.addr, tt.allowed, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), tt.addr) {
			t.Errorf("checkAddr(%q, %v) = %q, want it to name the address and %q", tt.addr, tt.allowed, err, tt.reason)
		}
	}
}

// TestSpecialRangesAreNotGlobal guards the tables themselves: a range that
// netip already treats as non-global needs no entry, but a typo turning a
// table entry into a public range would show up here as a public address
// refused, or as a range containing 8.8.8.8 or 2606:4700:4700::1111.
func TestSpecialRangesAreNotGlobal(t *testing.T) {
	for _, tbl := range [][]special{special4, special6} {
		for _, s := range tbl {
			if !s.prefix.IsValid() || s.prefix != s.prefix.Masked() {
				t.Errorf("%s: not a valid, masked prefix", s.prefix)
			}
			for _, public := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::1"} {
				if s.prefix.Contains(netip.MustParseAddr(public)) {
					t.Errorf("%s (%s) contains the public address %s", s.prefix, s.name, public)
				}
			}
		}
	}
}
