package order

import "strings"

// IsE164 reports whether p is a phone number in E.164 form (+37060000000),
// the form customer phones are stored in and configured numbers (a
// driver's) are compared in.
func IsE164(p string) bool { return validPhone(p) }

// PhoneDigits is p's digits without an international "00" prefix, or ""
// when p has letters or other symbols than a phone number is written with
// ("+370 600-00000" and "0037060000000" both give "37060000000"). The voice
// line compares callers with it and the two-way texts find a sender's orders
// with it (through E164), so a number means the same to both.
func PhoneDigits(p string) string {
	p = strings.TrimSpace(p)
	var b strings.Builder
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ', r == '-', r == '.', r == '(', r == ')', r == '/', r == '\u00a0':
		default:
			return ""
		}
	}
	d := b.String()
	if !strings.HasPrefix(p, "+") && strings.HasPrefix(d, "00") {
		d = d[2:]
	}
	if len(d) > 15 {
		return ""
	}
	return d
}

// E164 is p as "+<digits>" when it is written in international form
// ("+370 600 00000", "0037060000000"), else "": a national form ("8 600
// 00000") cannot be told apart from another country's number.
func E164(p string) string {
	p = strings.TrimSpace(p)
	if !strings.HasPrefix(p, "+") && !strings.HasPrefix(p, "00") {
		return ""
	}
	d := PhoneDigits(p)
	if d == "" {
		return ""
	}
	return "+" + d
}
