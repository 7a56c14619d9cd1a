package estimate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/carrier"
)

// Days are a carrier's usual transit times in business days: within one country, between
// two countries of Europe's single market, and anywhere else.
type Days struct {
	Domestic, Europe, World int
}

// builtin are the defaults per carrier code (package carrier's codes) for its standard
// service, from the carriers' own published service levels, rounded up: an estimate that
// turns out a day early is a better surprise than a late one.
var builtin = map[string]Days{
	"dhl_express":    {1, 2, 4},
	"dhl_parcel":     {1, 3, 7},
	"deutsche_post":  {2, 4, 8},
	"ups":            {1, 3, 5},
	"fedex":          {1, 3, 5},
	"usps":           {3, 8, 12},
	"ontrac":         {2, 5, 10},
	"amazon":         {1, 3, 7},
	"dpd":            {1, 3, 6},
	"gls":            {1, 3, 6},
	"evri":           {2, 4, 8},
	"postnl":         {1, 4, 8},
	"bpost":          {1, 4, 8},
	"colissimo":      {2, 4, 8},
	"royal_mail":     {2, 5, 8},
	"postnord":       {2, 4, 8},
	"inpost":         {1, 3, 6},
	"omniva":         {1, 3, 7},
	"lp_express":     {1, 3, 7},
	"venipak":        {1, 3, 6},
	"packeta":        {2, 4, 8},
	"correos":        {2, 5, 9},
	"poste_italiane": {2, 5, 9},
	"canada_post":    {3, 8, 12},
	"australia_post": {3, 8, 12},
}

// fallback is the default of a carrier with no row above.
var fallback = Days{2, 5, 8}

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
	MaxTransitDays  = 60
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
// and where the figure came from: the merchant's most specific rule, else the carrier's
// default for the distance, else shipflow's.
func (t Transit) days(c, svc, from, to string) (int, string) {
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
	d, ok := builtin[c]
	basis := "default for " + c
	if !ok {
		d, basis = fallback, "default"
	}
	switch {
	case from == "" || to == "" || from == to:
		return d.Domestic, basis + ", domestic"
	case slices.Contains(europe, from) && slices.Contains(europe, to):
		return d.Europe, basis + ", within Europe"
	}
	return d.World, basis + ", international"
}

// code is shipflow's code for the carrier a merchant wrote, or the spelling folded to lower
// case with '_' for spaces and hyphens when the table does not know it.
func code(tbl *carrier.Table, name string) string {
	if tbl != nil {
		if c, ok := tbl.Lookup(name); ok {
			return c.Code
		}
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return '_'
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(name))
}

func quote(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
