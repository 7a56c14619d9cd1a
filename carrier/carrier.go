// Package carrier is the table of carriers shipflow knows by name: its own code for each, the
// name customers read, the code each tracking provider uses for it, and the carrier's public
// tracking page. Merchants write a carrier as they know it ("DHL Express", "dhl-express",
// "DHL"); every provider and page asks this table instead of guessing from the spelling.
package carrier

import (
	_ "embed"
	"encoding/json"
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
}

// Link is the carrier's own tracking page for a parcel, or "" when the table has none.
func (c Carrier) Link(trackingNumber string) string {
	if c.TrackingURL == "" || trackingNumber == "" {
		return ""
	}
	return strings.ReplaceAll(c.TrackingURL, "{tracking_number}", url.PathEscape(trackingNumber))
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
	var cs []Carrier
	if err := json.Unmarshal(b, &cs); err != nil {
		panic(fmt.Sprintf("carrier: builtin table: %v", err))
	}
	t, err := New(cs)
	if err != nil {
		panic(fmt.Sprintf("carrier: builtin table: %v", err))
	}
	return t
}

// New builds a table; a later row with the same code replaces an earlier one.
func New(cs []Carrier) (*Table, error) {
	t := &Table{byKey: make(map[string]int)}
	for _, c := range cs {
		if err := t.add(c); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// With is t extended by extra (the merchant's rows), which replace built-in rows of the same
// code.
func (t *Table) With(extra []Carrier) (*Table, error) {
	return New(append(append([]Carrier(nil), t.carriers...), extra...))
}

func (t *Table) add(c Carrier) error {
	if c.Code == "" || c.Name == "" {
		return fmt.Errorf("carrier %q: code and name are required", c.Code)
	}
	if i, ok := t.byKey[key(c.Code)]; ok && t.carriers[i].Code == c.Code {
		t.carriers[i] = c
	} else {
		t.carriers = append(t.carriers, c)
	}
	// Rebuilt from all rows so a replaced row's old spellings go with it.
	t.byKey = make(map[string]int, len(t.byKey))
	for i, c := range t.carriers {
		for _, k := range c.keys() {
			if _, taken := t.byKey[k]; !taken {
				t.byKey[k] = i
			}
		}
	}
	return nil
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

// key folds the spellings of one carrier together: case, spaces, hyphens and underscores do
// not tell carriers apart ("DHL Express", "dhl-express", "dhl_express").
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
