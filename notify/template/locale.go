package template

import "strings"

// fallbackLocale is the last locale tried, the one every message exists in.
const fallbackLocale = "en"

// canonicalLocale spells a locale tag the one way the Set keys it by, so
// that "lt_LT", "lt-lt" and "lt-LT.UTF-8" from a shop platform or a
// directory name all find the same templates: language in lower case, a
// two-letter region in upper case, a four-letter script in title case. It
// reports false for something that is no locale tag at all.
func canonicalLocale(tag string) (string, bool) {
	if i := strings.IndexAny(tag, ".@"); i >= 0 { // POSIX "lt_LT.UTF-8", "sr_RS@latin"
		tag = tag[:i]
	}
	parts := strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 || len(parts[0]) < 2 || len(parts[0]) > 3 || !isAlpha(parts[0]) {
		return "", false
	}
	for i, p := range parts {
		if len(p) > 8 || !isAlnum(p) {
			return "", false
		}
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 2 && isAlpha(p):
			parts[i] = strings.ToUpper(p)
		case len(p) == 4 && isAlpha(p):
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "-"), true
}

// localeChain lists the locales to try for tag, most specific first:
// "lt-LT" gives lt-LT, lt, en. Anything unreadable gives just en.
func localeChain(tag string) []string {
	c, ok := canonicalLocale(tag)
	if !ok {
		return []string{fallbackLocale}
	}
	var chain []string
	for {
		chain = append(chain, c)
		i := strings.LastIndexByte(c, '-')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	if chain[len(chain)-1] != fallbackLocale {
		chain = append(chain, fallbackLocale)
	}
	return chain
}

// language is the first subtag of a canonical locale: "lt" for "lt-LT".
func language(locale string) string {
	lang, _, _ := strings.Cut(locale, "-")
	return lang
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c|0x20 < 'a' || c|0x20 > 'z') {
			return false
		}
	}
	return len(s) > 0
}
