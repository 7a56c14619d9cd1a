package template

import (
	"strings"

	"golang.org/x/text/language"
)

// fallbackLocale is the last locale tried, the one every message exists in.
const fallbackLocale = string(English)

// Language is a language shipflow has words of its own for: the built-in messages' dates
// and grammar, the tracking page and the voice assistant's instructions all speak it.
type Language string

// Our languages.
const (
	English    Language = "en"
	Lithuanian Language = "lt"
)

// LanguageOf is the language of ours that a customer's locale, a voice platform's hint or an
// Accept-Language value picks. A tag picks its language, in any spelling a shop platform or a
// system uses ("lt", "LT", "lt-LT", "lt_LT.UTF-8", "lt@euro"); a list ("de, lt;q=0.8") picks
// the most preferred entry we speak. Anything else is English, the language every customer
// is assumed to read when theirs is not supported. The messages, the tracking page and the
// voice line all ask this, so a customer hears and reads one language everywhere.
func LanguageOf(locale string) Language {
	if strings.ContainsAny(locale, ",;") {
		tags, _, err := language.ParseAcceptLanguage(locale)
		if err != nil {
			return English
		}
		for _, t := range tags { // most preferred first
			base, _ := t.Base()
			if l, ok := ours(base.String()); ok {
				return l
			}
		}
		return English
	}
	lang := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(lang, "-_.@"); i >= 0 {
		lang = lang[:i]
	}
	if l, ok := ours(lang); ok {
		return l
	}
	return English
}

// ours reports whether lang, a lower-case language subtag, is one of our languages.
func ours(lang string) (Language, bool) {
	switch l := Language(lang); l {
	case English, Lithuanian:
		return l, true
	}
	return "", false
}

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
