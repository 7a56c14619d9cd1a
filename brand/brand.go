// Package brand is the merchant's look on everything customers see of shipflow: the store's
// name, logo and colours, how to reach its support, and where its tracking page lives. The
// tracking page and every email wear it; package config reads it, checking each value with
// the rules here, so a bad value stops the start-up instead of breaking a page.
package brand

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Brand is the merchant's look. The zero value is shipflow's own plain look: no name (pages
// and emails say "Order tracking"), no logo, the default colours, no support contacts.
type Brand struct {
	// Name is the store's name ("Ona's Shoes").
	Name string
	// LogoURL is an https image shown in the page's and the emails' header.
	LogoURL string
	// Primary is the header's colour and Accent the buttons', each #rrggbb.
	Primary, Accent string
	// SupportEmail and SupportPhone are how customers reach the store, in every footer.
	SupportEmail, SupportPhone string
	// PageURL is the tracking page's own public base URL (https://track.shop.example), which
	// tracking links use; empty means the API's public URL.
	PageURL string
}

// The look without a brand: the tracking page's original dark header and blue buttons.
const (
	DefaultPrimary = "#1b1f24"
	DefaultAccent  = "#2563eb"
)

// Limits of each value.
const (
	MaxName  = 80
	MaxURL   = 2000
	MaxEmail = 254
	MaxPhone = 30
)

// PrimaryColor is the header's colour, the default when none is set.
func (b Brand) PrimaryColor() string { return cmp.Or(b.Primary, DefaultPrimary) }

// AccentColor is the buttons' colour, the default when none is set.
func (b Brand) AccentColor() string { return cmp.Or(b.Accent, DefaultAccent) }

// OnPrimary and OnAccent are the text colours that read on the brand's colours: white or
// near-black, whichever has the higher contrast (WCAG relative luminance), so a merchant's
// pale yellow still carries legible words.
func (b Brand) OnPrimary() string { return onColor(b.PrimaryColor()) }

// OnAccent: see OnPrimary.
func (b Brand) OnAccent() string { return onColor(b.AccentColor()) }

// LogoOrigin is the origin (scheme://host[:port]) the logo is fetched from, which the tracking
// page's Content-Security-Policy must allow; empty without a logo.
func (b Brand) LogoOrigin() string {
	u, err := url.Parse(b.LogoURL)
	if b.LogoURL == "" || err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// TelURL is the tel: link of the support phone: its digits, with the leading + if it has one.
func (b Brand) TelURL() string {
	if b.SupportPhone == "" {
		return ""
	}
	var d strings.Builder
	d.WriteString("tel:")
	if strings.HasPrefix(b.SupportPhone, "+") {
		d.WriteByte('+')
	}
	for _, r := range b.SupportPhone {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	return d.String()
}

// Check says what is wrong with b, naming the value.
func (b Brand) Check() error {
	return errors.Join(CheckName(b.Name), CheckLogoURL(b.LogoURL), CheckColor(b.Primary), CheckColor(b.Accent),
		CheckEmail(b.SupportEmail), CheckPhone(b.SupportPhone))
}

// CheckName accepts a store name of at most MaxName printable characters, or none.
func CheckName(s string) error {
	switch {
	case utf8.RuneCountInString(s) > MaxName:
		return fmt.Errorf("store name is longer than %d characters", MaxName)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }):
		return fmt.Errorf("store name %.40q has control or other unprintable characters", s)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("store name %q has spaces around it", s)
	}
	return nil
}

// CheckLogoURL accepts an https URL with a host and no credentials, or none.
func CheckLogoURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxURL || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return fmt.Errorf("logo URL %.60q: want at most %d characters, no spaces or control characters", s, MaxURL)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("logo URL %.60q is not an https URL such as https://shop.example/logo.png", s)
	}
	return nil
}

// CheckColor accepts #rrggbb (hex digits in either case), or none.
func CheckColor(s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 7 || s[0] != '#' {
		return fmt.Errorf("colour %.20q is not #rrggbb", s)
	}
	if _, err := strconv.ParseUint(s[1:], 16, 32); err != nil {
		return fmt.Errorf("colour %.20q is not #rrggbb", s)
	}
	return nil
}

// CheckEmail accepts a bare address (support@shop.example, no display name), or none.
func CheckEmail(s string) error {
	if s == "" {
		return nil
	}
	a, err := mail.ParseAddress(s)
	if len(s) > MaxEmail || err != nil || a.Address != s || a.Name != "" || strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII }) {
		return fmt.Errorf("support email %.60q is not an address such as support@shop.example (at most %d ASCII characters)", s, MaxEmail)
	}
	return nil
}

// CheckPhone accepts a phone number as people write it (+370 600 12345, (555) 010-0199):
// digits, spaces and + - ( ) ., at least five digits, at most MaxPhone characters; or none.
func CheckPhone(s string) error {
	if s == "" {
		return nil
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return fmt.Errorf("support phone %.40q: want digits, spaces and + - ( ) . only", s)
		}
	}
	if digits < 5 || len(s) > MaxPhone {
		return fmt.Errorf("support phone %.40q: want 5 or more digits, at most %d characters", s, MaxPhone)
	}
	return nil
}

// onColor is the text colour with the higher contrast on bg (#rrggbb).
func onColor(bg string) string {
	const white, dark = "#ffffff", "#111827"
	l := luminance(bg)
	// Contrast against white is 1.05/(l+0.05); against #111827 (luminance about 0.0103) it is
	// (l+0.05)/0.0603.
	if 1.05/(l+0.05) >= (l+0.05)/0.0603 {
		return white
	}
	return dark
}

// luminance is the WCAG 2 relative luminance of #rrggbb.
func luminance(hex string) float64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return 0
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
}
