package estimate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/carrier"
)

// fallback is the transit time of a carrier the table gives none for.
var fallback = carrier.Transit{Domestic: 2, Europe: 5, World: 8}

// europe is the single market and its neighbours parcels cross without a long customs stop:
// the EU, the EEA, Switzerland and the United Kingdom.
var europe = []string{
	"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU",
	"IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
}

// Transit is the merchant's own transit days, overriding the defaults, by key: carrier code,
// optionally "/service" and ":COUNTRY", "*" for any carrier (ParseTransit).
type Transit map[string]int

// Limits of SHIPFLOW_ESTIMATE_TRANSIT_DAYS.
const (
	MaxTransitRules = 500
	MaxTransitDays  = carrier.MaxTransitDays
	maxTransitKey   = 64
)

// ParseTransit reads "dpd=2,dpd:LT=1,dhl_express/express=1,*:US=6": comma-separated
// key=days pairs, a key being a carrier (as package carrier knows it, or "*"), an optional
// "/service" and an optional ":CC" destination country (ISO 3166-1 alpha-2). Carrier and
// service are compared in lower case, the country in upper case.
func ParseTransit(s string) (Transit, error) {
	t := Transit{}
	if strings.TrimSpace(s) == "" {
		return t, nil
	}
	pairs := strings.Split(s, ",")
	if len(pairs) > MaxTransitRules {
		return nil, fmt.Errorf("at most %d rules, got %d", MaxTransitRules, len(pairs))
	}
	for i, p := range pairs {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return nil, fmt.Errorf("rule %d: want carrier[/service][:CC]=days, got %s", i+1, quote(p))
		}
		key, err := transitKey(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n > MaxTransitDays {
			return nil, fmt.Errorf("rule %d (%s): days must be a whole number from 0 to %d, got %s", i+1, key, MaxTransitDays, quote(v))
		}
		t[key] = n
	}
	return t, nil
}

// transitKey checks and folds one rule's key.
func transitKey(k string) (string, error) {
	if k == "" || len(k) > maxTransitKey {
		return "", fmt.Errorf("key must have 1 to %d characters, got %d", maxTransitKey, len(k))
	}
	rest, cc, hasCC := strings.Cut(k, ":")
	name, svc, hasSvc := strings.Cut(rest, "/")
	if hasCC && !countryCode(strings.ToUpper(cc)) {
		return "", fmt.Errorf("%s: the country must be two letters (ISO 3166-1), got %s", quote(k), quote(cc))
	}
	if name != "*" && !word(name) || hasSvc && !word(svc) {
		return "", fmt.Errorf("%s: carrier and service are letters, digits, '_' and '-' (or '*' for any carrier)", quote(k))
	}
	return key(name, svc, strings.ToUpper(cc)), nil
}

func key(carrierCode, service, cc string) string {
	k := strings.ToLower(carrierCode)
	if service != "" {
		k += "/" + strings.ToLower(service)
	}
	if cc != "" {
		k += ":" + cc
	}
	return k
}

func word(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// countryCode reports whether cc looks like an ISO 3166-1 alpha-2 code.
func countryCode(cc string) bool {
	return len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
}

// days is the transit time for carrier code c's service svc from country from to country to,
// and where the figure came from: the merchant's most specific rule, else the carrier's usual
// time for the distance (its row in the carrier table), else shipflow's.
func (t Transit) days(c string, usual *carrier.Transit, svc, from, to string) (int, string) {
	var tries []string
	if svc != "" {
		tries = append(tries, key(c, svc, to), key(c, svc, ""))
	}
	tries = append(tries, key(c, "", to), key(c, "", ""), key("*", "", to), key("*", "", ""))
	for _, k := range tries {
		if n, ok := t[k]; ok {
			return n, "configured " + k
		}
	}
	d, basis := fallback, "default"
	if usual != nil {
		d, basis = *usual, "default for "+c
	}
	switch {
	case from == "" || to == "" || from == to:
		return d.Domestic, basis + ", domestic"
	case slices.Contains(europe, from) && slices.Contains(europe, to):
		return d.Europe, basis + ", within Europe"
	}
	return d.World, basis + ", international"
}

// code is shipflow's code for the carrier a merchant wrote and its usual transit time, or the
// spelling folded to lower case with '_' for spaces and hyphens when the table does not know
// it.
func code(tbl *carrier.Table, name string) (string, *carrier.Transit) {
	if c, ok := tbl.Lookup(name); ok {
		return c.Code, c.Transit
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return '_'
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(name)), nil
}

func quote(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
