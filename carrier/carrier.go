// Package carrier is the table of carriers shipflow knows by name: its own code for each, the
// name customers read, the code each tracking provider uses for it, and the carrier's public
// tracking page. Merchants write a carrier as they know it ("DHL Express", "dhl-express",
// "DHL"); every provider and page asks this table instead of guessing from the spelling.
//
// The built-in rows are in carriers.json; a merchant adds or replaces rows with a file of the
// same shape (SHIPFLOW_CARRIERS_FILE, read by Parse and Table.With).
package carrier

import (
	_ "embed"
	"fmt"
	"net/url"
	"strings"
)

// Carrier is one row of the table.
type Carrier struct {
	// Code is shipflow's code: lower case, digits and underscores ("dhl_express").
	Code string `json:"code"`
	// Name is what a customer reads ("DHL Express").
	Name string `json:"name"`
	// AfterShip, EasyPost and ShipEngine are the provider's own code for the carrier (an
	// AfterShip slug, an EasyPost carrier name, a ShipEngine carrier_code); empty when the
	// provider does not track it.
	AfterShip  string `json:"aftership,omitempty"`
	EasyPost   string `json:"easypost,omitempty"`
	ShipEngine string `json:"shipengine,omitempty"`
	// TrackingURL is the carrier's public tracking page, {tracking_number} standing for the
	// parcel's number.
	TrackingURL string `json:"tracking_url,omitempty"`
	// Aliases are other spellings merchants and platforms use ("DHL", "Evri").
	Aliases []string `json:"aliases,omitempty"`
	// Transit is the carrier's usual transit time for its standard service, which delivery
	// estimates count from (package estimate); nil leaves them to shipflow's fallback.
	Transit *Transit `json:"transit_days,omitempty"`
}

// Transit is a carrier's usual transit time in business days: within one country, between
// two countries of Europe's single market, and anywhere else. The built-in figures are the
// carriers' own published service levels rounded up: an estimate that turns out a day early
// is a better surprise than a late one.
type Transit struct {
	Domestic int `json:"domestic"`
	Europe   int `json:"europe"`
	World    int `json:"world"`
}

// MaxTransitDays bounds a transit time: no parcel service promises more.
const MaxTransitDays = 60

// Placeholder is what a TrackingURL holds where the parcel's number goes.
const Placeholder = "{tracking_number}"

// Link is the carrier's own tracking page for a parcel, or "" when the table has none. The
// number loses its spaces (carriers print them for reading: "5200 0001 2680") and is escaped
// for any part of a URL, so it can only ever be the one value the template puts it in.
func (c Carrier) Link(trackingNumber string) string {
	n := strings.Join(strings.Fields(trackingNumber), "")
	if c.TrackingURL == "" || n == "" {
		return ""
	}
	return strings.ReplaceAll(c.TrackingURL, Placeholder, url.QueryEscape(n))
}

// Table finds carriers by any of their spellings.
type Table struct {
	carriers []Carrier
	byKey    map[string]int
}

//go:embed carriers.json
var builtinJSON []byte

var builtin = mustParse(builtinJSON)

// Builtin is the table shipflow ships with.
func Builtin() *Table { return builtin }

func mustParse(b []byte) *Table {
	cs, err := Parse(b)
	if err != nil {
		panic(fmt.Sprintf("carrier: builtin table: %v", err))
	}
	t, err := New(cs)
	if err != nil {
		panic(fmt.Sprintf("carrier: builtin table: %v", err))
	}
	return t
}

// New builds a table of valid rows; a later row with the same code replaces an earlier one,
// and a later row's spellings win over an earlier row's.
func New(cs []Carrier) (*Table, error) {
	t := &Table{byKey: make(map[string]int)}
	at := make(map[string]int, len(cs))
	for _, c := range cs {
		if err := c.Check(); err != nil {
			return nil, err
		}
		if i, ok := at[c.Code]; ok {
			t.carriers[i] = c
			continue
		}
		at[c.Code] = len(t.carriers)
		t.carriers = append(t.carriers, c)
	}
	for i, c := range t.carriers {
		for _, k := range c.keys() {
			t.byKey[k] = i
		}
	}
	// A code always names its own row, whatever another row calls itself.
	for i, c := range t.carriers {
		t.byKey[key(c.Code)] = i
	}
	return t, nil
}

// With is t extended by extra (the merchant's rows), which replace built-in rows of the same
// code.
func (t *Table) With(extra []Carrier) (*Table, error) {
	return New(append(append([]Carrier(nil), t.carriers...), extra...))
}

func (c Carrier) keys() []string {
	ks := []string{key(c.Code), key(c.Name), key(c.AfterShip), key(c.EasyPost), key(c.ShipEngine)}
	for _, a := range c.Aliases {
		ks = append(ks, key(a))
	}
	out := ks[:0]
	for _, k := range ks {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// key folds the spellings of one carrier together: case, spaces, hyphens, underscores and
// dots do not tell carriers apart ("DHL Express", "dhl-express", "dhl_express").
func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '-', '_', '.':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Lookup finds the carrier a merchant or provider wrote, by code, name, alias or any
// provider's code.
func (t *Table) Lookup(s string) (Carrier, bool) {
	i, ok := t.byKey[key(s)]
	if !ok {
		return Carrier{}, false
	}
	return t.carriers[i], true
}

// All is every carrier in the table, in table order.
func (t *Table) All() []Carrier { return append([]Carrier(nil), t.carriers...) }

// Shown is how a customer reads the carrier a shipment names: the table's display name and
// the carrier's link for the parcel, or, for a carrier the table does not know, the name as
// given and no link.
func (t *Table) Shown(name, trackingNumber string) (display, link string) {
	c, ok := t.Lookup(name)
	if !ok {
		return strings.TrimSpace(name), ""
	}
	return c.Name, c.Link(trackingNumber)
}
