package order

import "strings"

// contact reports whether e is a contact change (customer.updated, order.updated).
func (e CommerceEvent) contact() bool {
	return e.Type == EventCustomerUpdated || e.Type == EventOrderUpdated
}

// updateContact takes the customer's new contact details: each field given replaces the
// order's, an empty one keeps it (platforms leave out what did not change, and a contact is
// never taken away this way). It reports false when nothing changed. The entry names what
// changed without printing an address in full (Mask): the timeline is read by staff and
// sent to subscribers.
func (o *Order) updateContact(c Customer, ent *Entry) bool {
	cur := &o.Customer
	var what []string
	set := func(field *string, v, label string, show func(string) string) {
		if v = strings.TrimSpace(v); v == "" || v == *field {
			return
		}
		*field = v
		if show == nil {
			what = append(what, label)
			return
		}
		what = append(what, label+" "+show(v))
	}
	same := func(s string) string { return s }
	set(&cur.Email, c.Email, "email", Mask)
	set(&cur.Phone, c.Phone, "phone", Mask)
	set(&cur.ExternalID, c.ExternalID, "app user id", Mask)
	set(&cur.Locale, c.Locale, "locale", same)
	set(&cur.TimeZone, c.TimeZone, "time zone", same)
	set(&cur.Name, c.Name, "name", nil)
	if len(what) == 0 {
		return false
	}
	ent.Description = contactChanged + strings.Join(what, ", ")
	return true
}

// Mask hides most of a phone number or email address wherever one is shown to people who need
// not read it (application logs, the order's timeline): "+37060000123" becomes
// "+370*****123", "ona@example.com" becomes "o**@example.com".
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
