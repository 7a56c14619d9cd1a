package notify

import "strings"

// Mask hides most of a phone number or email address for application logs, which are not
// access-controlled the way the notification log is: "+37060000123" becomes "+370*****123",
// "ona@example.com" becomes "o**@example.com".
func Mask(address string) string {
	if at := strings.LastIndexByte(address, '@'); at >= 0 {
		local, domain := address[:at], address[at:]
		if len(local) <= 1 {
			return "*" + domain
		}
		return local[:1] + strings.Repeat("*", len(local)-1) + domain
	}
	rs := []rune(address)
	if len(rs) <= 6 {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:4]) + strings.Repeat("*", len(rs)-7) + string(rs[len(rs)-3:])
}
