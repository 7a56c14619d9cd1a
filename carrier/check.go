package carrier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a row, so a merchant's file cannot put a novel on the tracking page or a
// megabyte into every message.
const (
	maxCode     = 40
	maxName     = 60
	maxProvider = 60
	maxURL      = 500
	maxAliases  = 20
	// MaxFile is the largest carriers file Parse reads; a few hundred rows fit.
	MaxFile = 1 << 20
	// maxRows bounds the rows of one file.
	maxRows = 2000
)

// Parse reads a JSON array of rows (the shape of carriers.json) and checks every row, naming
// the first bad one. Unknown fields are refused, so a misspelt "tracking_ulr" is an error
// rather than a row without a link.
func Parse(b []byte) ([]Carrier, error) {
	if len(b) > MaxFile {
		return nil, fmt.Errorf("carriers file is larger than %d bytes", MaxFile)
	}
	if !utf8.Valid(b) {
		return nil, errors.New("carriers file is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cs []Carrier
	if err := dec.Decode(&cs); err != nil {
		return nil, fmt.Errorf("carriers file is not a JSON array of carriers: %w", err)
	}
	if dec.More() {
		return nil, errors.New("carriers file has more after its JSON array")
	}
	if len(cs) > maxRows {
		return nil, fmt.Errorf("carriers file has %d rows, more than %d", len(cs), maxRows)
	}
	for i, c := range cs {
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
	}
	return cs, nil
}

// Check says what is wrong with a row, if anything: a code of lower-case letters, digits and
// underscores; a name and spellings of printable characters; provider codes of letters,
// digits and - _ . and space; and a tracking page that is an https URL with the placeholder.
func (c Carrier) Check() error {
	if c.Code == "" || len(c.Code) > maxCode || strings.ContainsFunc(c.Code, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) {
		return fmt.Errorf("carrier code %.60q: want 1 to %d of a-z, 0-9 and _", c.Code, maxCode)
	}
	if err := text("name", c.Name, maxName, true); err != nil {
		return fmt.Errorf("carrier %s: %w", c.Code, err)
	}
	for _, p := range []struct{ field, v string }{{"aftership", c.AfterShip}, {"easypost", c.EasyPost}, {"shipengine", c.ShipEngine}} {
		if len(p.v) > maxProvider || strings.ContainsFunc(p.v, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_. ", r))
		}) {
			return fmt.Errorf("carrier %s: %s %.60q: want at most %d of letters, digits, - _ . and space", c.Code, p.field, p.v, maxProvider)
		}
	}
	if err := CheckTrackingURL(c.TrackingURL); err != nil {
		return fmt.Errorf("carrier %s: %w", c.Code, err)
	}
	if t := c.Transit; t != nil {
		for _, d := range []int{t.Domestic, t.Europe, t.World} {
			if d < 1 || d > MaxTransitDays {
				return fmt.Errorf("carrier %s: transit_days: want domestic, europe and world each from 1 to %d", c.Code, MaxTransitDays)
			}
		}
	}
	if len(c.Aliases) > maxAliases {
		return fmt.Errorf("carrier %s: %d aliases, more than %d", c.Code, len(c.Aliases), maxAliases)
	}
	for _, a := range c.Aliases {
		if err := text("alias", a, maxName, true); err != nil {
			return fmt.Errorf("carrier %s: %w", c.Code, err)
		}
	}
	return nil
}

// CheckTrackingURL accepts an empty template (the carrier has no public page) or an https URL
// with a host, the placeholder, and no spaces or control characters.
func CheckTrackingURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > maxURL || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return fmt.Errorf("tracking_url %.60q: want at most %d characters, no spaces or control characters", s, maxURL)
	}
	if !strings.Contains(s, Placeholder) {
		return fmt.Errorf("tracking_url %.60q: has no %s", s, Placeholder)
	}
	u, err := url.Parse(strings.ReplaceAll(s, Placeholder, "0"))
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("tracking_url %.60q: want an https URL such as https://carrier.example/track?n=%s", s, Placeholder)
	}
	// The number goes in the path, query or fragment, never the host: a link must lead to the
	// carrier whatever the number says.
	if v, err := url.Parse(strings.ReplaceAll(s, Placeholder, "x")); err != nil || v.Host != u.Host {
		return fmt.Errorf("tracking_url %.60q: %s must come after the host", s, Placeholder)
	}
	return nil
}

// text checks a name customers read: printable, trimmed, and at most most characters.
func text(field, s string, most int, required bool) error {
	switch {
	case s == "" && required:
		return fmt.Errorf("%s is required", field)
	case utf8.RuneCountInString(s) > most:
		return fmt.Errorf("%s %.60q: longer than %d characters", field, s, most)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%s %q: has spaces around it", field, s)
	case strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }):
		return fmt.Errorf("%s %.60q: has control or other unprintable characters", field, s)
	}
	return nil
}
