package commerce

import (
	"net/mail"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/shipflow/shipflow/order"
)

// Phone returns p in E.164 form, or "" when p cannot be put in it. Shops
// store numbers as customers typed them ("+370 600 00000", "0037060000000",
// "(312) 345-6789"); SMS providers and the voice assistant's caller check
// need E.164, and a number without its country code cannot be completed
// safely, so it is dropped rather than guessed.
func Phone(p string) string {
	p = strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(p, "+"):
		p = p[1:]
	case strings.HasPrefix(p, "00"):
		p = p[2:]
	default:
		return ""
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')', r == '\u00a0':
		default:
			return ""
		}
	}
	e := b.String()
	if n := len(e) - 1; n < 8 || n > 15 || e[1] == '0' {
		return ""
	}
	return e
}

// Email returns the bare address in e, or "" when e holds none. A display
// name form ("Ona <ona@example.com>") is reduced to its address, which is
// what an email provider accepts in a "to" field.
func Email(e string) string {
	a, err := mail.ParseAddress(strings.TrimSpace(e))
	if err != nil {
		return ""
	}
	// The address must survive being parsed on its own, as the order
	// package checks it that way.
	if b, err := mail.ParseAddress(a.Address); err != nil || b.Name != "" || b.Address != a.Address {
		return ""
	}
	return a.Address
}

// Channels lists the channels a customer can be told on: email when there
// is an address, sms when there is a phone. Platforms do not say which
// channels a customer chose for shipping updates, only how to reach them.
func Channels(c order.Customer) []order.Channel {
	var chs []order.Channel
	if c.Email != "" {
		chs = append(chs, order.ChannelEmail)
	}
	if c.Phone != "" {
		chs = append(chs, order.ChannelSMS)
	}
	return chs
}

// Name joins the non-empty parts of a name ("Ona", "", "Petraitė") with
// single spaces, as platforms split names into first and last.
func Name(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, " ")
}

// PhoneIn is Phone for a number that may be written in its country's national form ("0612
// 34567" in the Netherlands), as platforms that keep the address's country beside the
// telephone (Magento) store it: with country, an ISO 3166-1 alpha-2 code, a national number is
// completed by that country's calling code when the country's numbering plan says it is a
// valid number there, and dropped otherwise. An international form is read as Phone reads it.
func PhoneIn(p, country string) string {
	if e := Phone(p); e != "" {
		return e
	}
	p, country = strings.TrimSpace(p), strings.ToUpper(strings.TrimSpace(country))
	if p == "" || len(p) > 32 || len(country) != 2 {
		return ""
	}
	n, err := phonenumbers.Parse(p, country)
	if err != nil || !phonenumbers.IsValidNumberForRegion(n, country) {
		return ""
	}
	e := phonenumbers.Format(n, phonenumbers.E164)
	if !order.IsE164(e) {
		return ""
	}
	return e
}
