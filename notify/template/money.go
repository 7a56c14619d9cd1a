package template

import (
	"strings"
	"unicode"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

// Money is an amount as the shop reported it: decimal text ("12.50") and an ISO 4217 code.
// shipflow never computes with it, so it is said as given, only written the customer's way.
type Money struct {
	Amount   string
	Currency string
}

// moneyWords is how a language writes an amount of money.
type moneyWords struct {
	tag            language.Tag // for the currency's symbol (CLDR: € in both, USD in lt, $ in en)
	decimal, group string
	// symbolFirst puts the symbol before the number: "€12.50" (en), "12,50 €" (lt).
	symbolFirst bool
}

// money says m the customer's way: "€1,234.50", "CHF 12.50" (en); "1 234,50 €" (lt). The
// number keeps the digits the shop gave, padded to the currency's minor units ("12.5" EUR is
// "12.50"); an amount that does not read as a decimal is said as given, with the code.
func (f formatter) money(v any) string {
	var m Money
	switch x := v.(type) {
	case Money:
		m = x
	case *Money:
		if x == nil {
			return ""
		}
		m = *x
	default:
		return ""
	}
	w := f.w.money
	whole, frac, _ := strings.Cut(strings.TrimSpace(m.Amount), ".")
	unit, err := currency.ParseISO(m.Currency)
	if err != nil || !digitsOnly(whole) || !digitsOnly(frac) && frac != "" {
		return strings.TrimSpace(m.Amount + " " + m.Currency)
	}
	if scale, _ := currency.Standard.Rounding(unit); len(frac) < scale {
		frac += strings.Repeat("0", scale-len(frac))
	}
	num := groupDigits(whole, w.group)
	if frac != "" {
		num += w.decimal + frac
	}
	sym := xmessage.NewPrinter(w.tag).Sprint(currency.Symbol(unit))
	if !w.symbolFirst {
		return num + "\u00a0" + sym
	}
	if r := []rune(sym); unicode.IsLetter(r[len(r)-1]) {
		return sym + "\u00a0" + num // "CHF 12.50"
	}
	return sym + num
}

// groupDigits puts sep between each three digits of whole from the right.
func groupDigits(whole, sep string) string {
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return "0"
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func digitsOnly(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
