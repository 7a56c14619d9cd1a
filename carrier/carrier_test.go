package carrier

import (
	"net/url"
	"strings"
	"testing"
)

// The issue's list: at least these carriers, each found by the name a merchant writes.
var wanted = []string{
	"DHL Express", "DHL Parcel", "DHL Parcel NL", "DHL Parcel UK", "UPS", "FedEx", "USPS", "DPD", "GLS",
	"Hermes", "Evri", "PostNL", "La Poste", "Colissimo", "Royal Mail", "Deutsche Post", "PostNord",
	"InPost", "Omniva", "LP Express", "Venipak", "Packeta", "Bpost", "Correos", "Poste Italiane",
	"Canada Post", "Australia Post", "OnTrac", "Amazon Logistics",
}

func TestBuiltinCoversTheIssuesCarriers(t *testing.T) {
	if n := len(Builtin().All()); n < 25 {
		t.Errorf("%d carriers, want at least 25", n)
	}
	for _, name := range wanted {
		if _, ok := Builtin().Lookup(name); !ok {
			t.Errorf("Lookup(%q): not found", name)
		}
	}
}

func TestBuiltinRowsAreValid(t *testing.T) {
	for _, c := range Builtin().All() {
		if err := c.Check(); err != nil {
			t.Error(err)
		}
		if c.TrackingURL == "" {
			t.Errorf("%s: no tracking page", c.Code)
			continue
		}
		if !strings.HasPrefix(c.TrackingURL, "https://") || !strings.Contains(c.TrackingURL, Placeholder) {
			t.Errorf("%s: tracking_url %q is not https with %s", c.Code, c.TrackingURL, Placeholder)
		}
		u, err := url.Parse(c.Link("JJD0001 2345"))
		if err != nil || u.Scheme != "https" || !strings.Contains(u.String(), "JJD00012345") {
			t.Errorf("%s: Link = %v (%v)", c.Code, u, err)
		}
	}
}

// Every spelling names one row: two carriers sharing a code, a provider's code or an alias
// would send one carrier's parcels to the other's provider and page.
func TestBuiltinSpellingsAreUnique(t *testing.T) {
	owner := map[string]string{}
	for _, c := range Builtin().All() {
		seen := map[string]bool{}
		for _, k := range c.keys() {
			if seen[k] {
				continue // a row may spell itself twice ("ups" code and slug)
			}
			seen[k] = true
			if o, ok := owner[k]; ok {
				t.Errorf("spelling %q belongs to both %s and %s", k, o, c.Code)
			}
			owner[k] = c.Code
		}
	}
	for _, provider := range []func(Carrier) string{
		func(c Carrier) string { return c.AfterShip },
		func(c Carrier) string { return c.EasyPost },
		func(c Carrier) string { return c.ShipEngine },
	} {
		codes := map[string]string{}
		for _, c := range Builtin().All() {
			p := provider(c)
			if p == "" {
				continue
			}
			if o, ok := codes[p]; ok {
				t.Errorf("provider code %q on both %s and %s", p, o, c.Code)
			}
			codes[p] = c.Code
		}
	}
}

func TestLookup(t *testing.T) {
	for in, want := range map[string]string{
		"dhl_express":         "dhl_express",
		"DHL Express":         "dhl_express",
		"dhl-express":         "dhl_express",
		"DHL":                 "dhl_express", // alias
		"dhl":                 "dhl_express", // AfterShip slug
		"DHLExpress":          "dhl_express", // EasyPost
		"  fedex ":            "fedex",
		"Hermes UK":           "evri",
		"myhermes-uk":         "evri",
		"hermes-de":           "hermes_de",
		"LaPoste":             "colissimo",
		"deutsch-post":        "deutsche_post",
		"canada_post":         "canada_post", // ShipEngine
		"CanadaPost":          "canada_post",
		"Lietuvos paštas":     "lp_express",
		"lietuvos-pastas":     "lp_express",
		"Zásilkovna":          "packeta",
		"U.S. Postal Service": "usps",
	} {
		c, ok := Builtin().Lookup(in)
		if !ok || c.Code != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, c.Code, ok, want)
		}
	}
	for _, in := range []string{"", "   ", "Acme Couriers", "dhl express plus"} {
		if c, ok := Builtin().Lookup(in); ok {
			t.Errorf("Lookup(%q) = %s, want none", in, c.Code)
		}
	}
}

func TestLink(t *testing.T) {
	dpd, _ := Builtin().Lookup("DPD")
	if got, want := dpd.Link("05809023456789"), "https://tracking.dpd.de/status/en_US/parcel/05809023456789"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
	ups, _ := Builtin().Lookup("UPS")
	// A number is one value, whatever it holds: it cannot add a parameter or leave the query.
	if got := ups.Link("1Z&evil=1#x"); got != "https://www.ups.com/track?tracknum=1Z%26evil%3D1%23x" {
		t.Errorf("Link escaped to %q", got)
	}
	if got := ups.Link(" "); got != "" {
		t.Errorf("Link of a blank number = %q, want none", got)
	}
	if got := (Carrier{Code: "x", Name: "X"}).Link("1"); got != "" {
		t.Errorf("Link without a template = %q", got)
	}
}

func TestShown(t *testing.T) {
	name, link := Builtin().Shown("dpd", "123")
	if name != "DPD" || link == "" {
		t.Errorf("Shown(dpd) = %q, %q", name, link)
	}
	name, link = Builtin().Shown(" Acme Couriers ", "123")
	if name != "Acme Couriers" || link != "" {
		t.Errorf("Shown(unknown) = %q, %q; want the name as given and no link", name, link)
	}
}

func TestWithMerchantRows(t *testing.T) {
	tbl, err := Builtin().With([]Carrier{
		{Code: "dpd", Name: "DPD Lietuva", AfterShip: "dpd", TrackingURL: "https://www.dpd.com/lt/lt/siuntu-sekimas/?parcelNumber={tracking_number}"},
		{Code: "acme", Name: "Acme Couriers", TrackingURL: "https://acme.example/t/{tracking_number}", Aliases: []string{"DHL"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := tbl.Lookup("DPD"); c.Name != "DPD Lietuva" {
		t.Errorf("the merchant's dpd row did not replace the built-in one: %+v", c)
	}
	if c, _ := tbl.Lookup("DHL"); c.Code != "acme" {
		t.Errorf("the merchant's alias did not win: DHL is %s", c.Code)
	}
	if c, _ := tbl.Lookup("dhl_express"); c.Code != "dhl_express" {
		t.Errorf("a code was shadowed by an alias: %s", c.Code)
	}
	if n, m := len(tbl.All()), len(Builtin().All()); n != m+1 {
		t.Errorf("%d rows, want %d", n, m+1)
	}
	if c, _ := Builtin().Lookup("DPD"); c.Name != "DPD" {
		t.Error("With changed the built-in table")
	}
}

func TestParseRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not an array":      `{"code":"x"}`,
		"unknown field":     `[{"code":"x","name":"X","tracking_ulr":"https://x.example/{tracking_number}"}]`,
		"trailing":          `[] []`,
		"no code":           `[{"name":"X"}]`,
		"upper-case code":   `[{"code":"X","name":"X"}]`,
		"no name":           `[{"code":"x"}]`,
		"control in name":   `[{"code":"x","name":"X\u0000Y"}]`,
		"newline in name":   `[{"code":"x","name":"X\nY"}]`,
		"long name":         `[{"code":"x","name":"` + strings.Repeat("a", 61) + `"}]`,
		"http link":         `[{"code":"x","name":"X","tracking_url":"http://x.example/{tracking_number}"}]`,
		"javascript link":   `[{"code":"x","name":"X","tracking_url":"javascript:alert({tracking_number})"}]`,
		"no placeholder":    `[{"code":"x","name":"X","tracking_url":"https://x.example/track"}]`,
		"space in link":     `[{"code":"x","name":"X","tracking_url":"https://x.example/ {tracking_number}"}]`,
		"userinfo in link":  `[{"code":"x","name":"X","tracking_url":"https://a@x.example/{tracking_number}"}]`,
		"bad provider code": `[{"code":"x","name":"X","aftership":"x<y"}]`,
		"padded alias":      `[{"code":"x","name":"X","aliases":[" X "]}]`,
		"not UTF-8":         "[{\"code\":\"x\",\"name\":\"\xff\"}]",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse(%q) accepted it", name, in)
		}
	}
	if _, err := Parse([]byte(`[{"code":"x","name":"X","tracking_url":"https://x.example/t?n={tracking_number}","aliases":["Ex"]}]`)); err != nil {
		t.Errorf("a good row: %v", err)
	}
}
