package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Loopback reports whether host names this machine: localhost or a loopback IP address.
// Settings allow plain http to such a host (a developer's stand-in), and the Temporal client
// does not compress requests to one.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// ErrForbiddenAddress is wrapped by every error that refuses an address:
// the dial-time guard's (reached through the *url.Error an http.Client
// returns) and CheckURL's for a literal IP host. Test for it with errors.Is
// to tell "shipflow will not go there" from a network failure, which is
// worth retrying while this is not, until the URL or the policy changes.
var ErrForbiddenAddress = errors.New("egress: forbidden address")

// special is a range that is not reachable on the public internet, or that
// embeds an IPv4 address which decides the matter instead.
type special struct {
	prefix netip.Prefix
	name   string
	// embedded, if set, returns the IPv4 address a packet to an address in
	// prefix really ends up at; that address is checked in its place.
	embedded func(netip.Addr) netip.Addr
}

// special4 lists the IPv4 ranges of the IANA special-purpose address
// registry that are not globally reachable, plus multicast and the
// reserved 240/4 (RFC 6890 and its updates). netip's IsGlobalUnicast would
// accept most of them, private and shared space included. The first match
// names the reason, so the broadcast address comes before 240/4.
var special4 = []special{
	{prefix: pfx("0.0.0.0/8"), name: `unspecified or "this network"`},
	{prefix: pfx("10.0.0.0/8"), name: "private"},
	{prefix: pfx("100.64.0.0/10"), name: "carrier-grade NAT shared space"},
	{prefix: pfx("127.0.0.0/8"), name: "loopback"},
	// Cloud metadata services (169.254.169.254) live here.
	{prefix: pfx("169.254.0.0/16"), name: "link-local"},
	{prefix: pfx("172.16.0.0/12"), name: "private"},
	{prefix: pfx("192.0.0.0/24"), name: "IETF protocol assignments"},
	{prefix: pfx("192.0.2.0/24"), name: "documentation (TEST-NET-1)"},
	{prefix: pfx("192.88.99.0/24"), name: "deprecated 6to4 relay anycast"},
	{prefix: pfx("192.168.0.0/16"), name: "private"},
	{prefix: pfx("198.18.0.0/15"), name: "benchmarking"},
	{prefix: pfx("198.51.100.0/24"), name: "documentation (TEST-NET-2)"},
	{prefix: pfx("203.0.113.0/24"), name: "documentation (TEST-NET-3)"},
	{prefix: pfx("224.0.0.0/4"), name: "multicast"},
	{prefix: pfx("255.255.255.255/32"), name: "broadcast"},
	{prefix: pfx("240.0.0.0/4"), name: "reserved"},
}

// special6 lists the IPv6 ranges that need a decision beyond "is it inside
// 2000::/3, the only space IANA allocates global unicast from": NAT64
// (outside 2000::/3 yet public when the IPv4 address it carries is), and
// the non-global ranges carved out of 2000::/3. Everything else outside
// 2000::/3 (::, ::1, fc00::/7, fe80::/10, ff00::/8, ...) is refused by
// globalV6 below; the common ones are listed to name the reason.
// IPv4-mapped addresses never get here: they are unmapped first.
var special6 = []special{
	{prefix: pfx("::/128"), name: "unspecified"},
	{prefix: pfx("::1/128"), name: "loopback"},
	{prefix: pfx("64:ff9b::/96"), name: "NAT64", embedded: lastFour},
	{prefix: pfx("64:ff9b:1::/48"), name: "local-use NAT64"},
	{prefix: pfx("100::/64"), name: "discard-only"},
	{prefix: pfx("2001:db8::/32"), name: "documentation"},
	// Teredo (2001::/32) is in here: it embeds an obfuscated IPv4 address
	// and reaches it through relays, and nothing legitimate needs it.
	{prefix: pfx("2001::/23"), name: "IETF protocol assignments (Teredo, benchmarking, ORCHID)"},
	{prefix: pfx("2002::/16"), name: "6to4", embedded: sixToFour},
	{prefix: pfx("3fff::/20"), name: "documentation"},
	{prefix: pfx("5f00::/16"), name: "SRv6 segment identifiers"},
	{prefix: pfx("fc00::/7"), name: "unique local (private)"},
	{prefix: pfx("fe80::/10"), name: "link-local"},
	{prefix: pfx("fec0::/10"), name: "deprecated site-local"},
	{prefix: pfx("ff00::/8"), name: "multicast"},
}

// globalV6 is the IPv6 global unicast space.
var globalV6 = pfx("2000::/3")

// checkAddr returns nil if a may be connected to under allowed, and
// otherwise an error wrapping ErrForbiddenAddress that names shown (the
// address, or address:port when dialling) and the reason.
func checkAddr(a netip.Addr, allowed []netip.Prefix, shown string) error {
	if why := refusal(a, allowed); why != "" {
		return fmt.Errorf("%w: %s is %s, and not in the allowed CIDRs", ErrForbiddenAddress, shown, why)
	}
	return nil
}

// refusal says why a may not be connected to, or returns "" if it may.
func refusal(a netip.Addr, allowed []netip.Prefix) string {
	// A zone (fe80::1%eth0) makes netip.Prefix.Contains false for every
	// prefix; the zone says which link, not which address, so drop it.
	a = a.WithZone("")
	if inAny(allowed, a) {
		return ""
	}
	if a.Is4In6() {
		// ::ffff:127.0.0.1 connects to 127.0.0.1: judge it as that.
		a = a.Unmap()
		if inAny(allowed, a) {
			return ""
		}
	}
	if !a.IsValid() {
		return "not a valid IP address"
	}
	table := special4
	if a.Is6() {
		table = special6
	}
	for _, s := range table {
		if !s.prefix.Contains(a) {
			continue
		}
		if s.embedded == nil {
			return fmt.Sprintf("%s (%s)", s.name, s.prefix)
		}
		inner := s.embedded(a)
		if why := refusal(inner, allowed); why != "" {
			return fmt.Sprintf("%s (%s) embedding %s, which is %s", s.name, s.prefix, inner, why)
		}
		return ""
	}
	if a.Is6() && !globalV6.Contains(a) {
		return fmt.Sprintf("outside the IPv6 global unicast space (%s)", globalV6)
	}
	if !a.IsGlobalUnicast() {
		// Nothing should get here; kept so a gap in the tables fails closed.
		return "not a global unicast address"
	}
	return ""
}

// inAny reports whether a is inside one of prefixes.
func inAny(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// lastFour returns the IPv4 address in the low 32 bits of a, where the
// well-known NAT64 prefix 64:ff9b::/96 carries it (RFC 6052).
func lastFour(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:16]))
}

// sixToFour returns the IPv4 address in bits 16 to 47 of a 6to4 address
// 2002:V4ADDR::/48 (RFC 3056).
func sixToFour(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[2:6]))
}

// pfx parses a prefix of the tables above, which are constant.
func pfx(s string) netip.Prefix {
	return netip.MustParsePrefix(s)
}
