package order

// IsE164 reports whether p is a phone number in E.164 form (+37060000000),
// the form customer phones are stored in and configured numbers (a
// driver's) are compared in.
func IsE164(p string) bool { return validPhone(p) }
