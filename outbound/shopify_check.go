package outbound

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/egress"
)

// KindShopify's credentials (docs/connectors.md#shopify).
const (
	// shopifyAccessToken is the Admin API access token of the shop's custom app (shpat_...).
	shopifyAccessToken = "access_token"
	// shopifyAPIVersion is the Admin API version to call; ShopifyAPIVersion when not given.
	shopifyAPIVersion = "api_version"
)

// ShopifyAPIVersion is the Admin API version a Shopify connector calls unless its api_version
// credential names another. Shopify supports a stable version for at least twelve months;
// fulfillmentEventCreate exists since 2023-01, which is the oldest version accepted.
const ShopifyAPIVersion = "2026-10"

// shopifyHostSuffix is the end of every shop's admin host: https://{shop}.myshopify.com.
const shopifyHostSuffix = ".myshopify.com"

// Limits of what a merchant sets on a Shopify connector.
const (
	// maxShopName is the longest {shop} of {shop}.myshopify.com: a DNS label.
	maxShopName = 63
	// minShopifyToken and maxShopifyToken bound an access token after its prefix: Shopify's
	// are 32 hexadecimal characters today; a little room is left for longer ones.
	minShopifyToken, maxShopifyToken = 16, 128
	// oldestShopifyVersion is the first Admin API version with fulfillmentEventCreate.
	oldestShopifyVersion = 2023
)

// ErrShopifyURL is a Shopify connector's URL that is not a shop's admin base.
var ErrShopifyURL = errors.New("a Shopify connector's url must be the shop's admin base, https://{shop}.myshopify.com")

// checkShopify is KindShopify's Check: the URL is the shop's admin base (or a stand-in's
// address, which the egress policy decides about at every attempt), the token looks like an
// Admin API token and the version like a stable Admin API version. A URL that is not a shop's
// is the API's 422; a malformed credential its 400 invalid_field.
func checkShopify(raw string, creds map[string]string) error {
	if _, err := shopifyBase(raw); err != nil {
		return err
	}
	if err := checkShopifyToken(creds[shopifyAccessToken]); err != nil {
		return err
	}
	if v, ok := creds[shopifyAPIVersion]; ok {
		if err := checkShopifyVersion(v); err != nil {
			return err
		}
	}
	return nil
}

// shopifyBase checks a Shopify connector's URL and returns its host: https (plain http only for
// a stand-in), a host of the form {shop}.myshopify.com or an address or localhost (a stand-in),
// and nothing else: no path, query, fragment or user.
func shopifyBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrShopifyURL, egress.ErrInvalidURL)
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case u.User != nil, u.RawQuery != "", u.Fragment != "", u.Opaque != "",
		u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("%w: no path, query, fragment or user", ErrShopifyURL)
	case shopName(host):
		if u.Scheme != "https" || u.Port() != "" {
			return "", fmt.Errorf("%w: https without a port", ErrShopifyURL)
		}
		return host, nil
	case standInHost(host) && (u.Scheme == "http" || u.Scheme == "https"):
		return host, nil
	}
	return "", ErrShopifyURL
}

// shopName reports whether host is {shop}.myshopify.com with a shop name Shopify allows:
// letters, digits and hyphens, not beginning or ending with a hyphen.
func shopName(host string) bool {
	name, ok := strings.CutSuffix(host, shopifyHostSuffix)
	if !ok || name == "" || len(name) > maxShopName || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// standInHost reports whether host could be a stand-in's: localhost or an IP address. Whether
// it may be reached is the egress policy's to say (standIn, at every attempt).
func standInHost(host string) bool {
	if host == "localhost" {
		return true
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// checkShopifyToken checks an Admin API access token: shp, two letters and an underscore
// (shpat_ for a custom app's, shpca_ and shpua_ for others), then letters and digits.
func checkShopifyToken(tok string) error {
	bad := apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
		"credentials.%s: must be a Shopify Admin API access token such as shpat_ followed by %d to %d letters and digits (%d bytes given)",
		shopifyAccessToken, minShopifyToken, maxShopifyToken, len(tok))
	rest, ok := strings.CutPrefix(tok, "shp")
	if !ok || len(rest) < 3 || rest[2] != '_' || !lower(rest[0]) || !lower(rest[1]) {
		return bad
	}
	rest = rest[3:]
	if len(rest) < minShopifyToken || len(rest) > maxShopifyToken {
		return bad
	}
	for i := range len(rest) {
		if c := rest[i]; !(lower(c) || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return bad
		}
	}
	return nil
}

func lower(c byte) bool { return c >= 'a' && c <= 'z' }

// checkShopifyVersion checks a stable Admin API version: YYYY-01, -04, -07 or -10, from 2023.
func checkShopifyVersion(v string) error {
	bad := apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
		"credentials.%s: must be a stable Admin API version such as %s (YYYY-01, -04, -07 or -10, from %d-01)",
		shopifyAPIVersion, ShopifyAPIVersion, oldestShopifyVersion)
	if len(v) != len("2006-01") || v[4] != '-' {
		return bad
	}
	year, err := strconv.Atoi(v[:4])
	if err != nil || year < oldestShopifyVersion {
		return bad
	}
	switch v[5:] {
	case "01", "04", "07", "10":
		return nil
	}
	return bad
}
