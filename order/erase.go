package order

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Erasure (issue 23): a customer who asks to be forgotten loses every personal detail an order
// holds (their contact details, the address, and whatever free text may quote them), while
// what accounting and the audit trail must keep stays: the order's id, statuses, dates, items,
// shipments and refunds. docs/PRIVACY.md lists what each table keeps.

// Erased replaces any personal text removed from free text.
const Erased = "[erased]"

// EntryCustomerErased is the timeline entry an erasure leaves: when, and who asked.
const EntryCustomerErased = "customer.erased"

// Personal is what identifies one customer in free text: their email, phone (as given and in
// E.164 form), name and the words of it, app user id and address lines. Matching ignores case.
type Personal struct {
	re *regexp.Regexp
}

// minNameWord is the shortest word of a name redacted on its own: shorter ones ("Li", "de")
// would blank common words of carriers' descriptions.
const minNameWord = 3

// PersonalOf is the personal text of customer c, with address a (nil for none) and any
// further terms (the email or phone an erasure was asked for, in the form it was asked).
func PersonalOf(c Customer, a *Address, extra ...string) Personal {
	terms := slices.Clone(extra)
	terms = append(terms, c.Email, c.Phone, c.ExternalID, c.Name)
	if d := PhoneDigits(c.Phone); d != "" {
		terms = append(terms, d, "+"+d)
	}
	for _, t := range extra {
		if d := PhoneDigits(t); len(d) >= 7 {
			terms = append(terms, d, "+"+d)
		}
	}
	if a != nil {
		terms = append(terms, a.Name, a.Line1, a.Line2)
	}
	for _, n := range []string{c.Name, addrName(a)} {
		for w := range strings.FieldsSeq(n) {
			if len([]rune(w)) >= minNameWord {
				terms = append(terms, w)
			}
		}
	}
	var pats []string
	for _, t := range terms {
		if t = strings.TrimSpace(t); t != "" {
			pats = append(pats, regexp.QuoteMeta(t))
		}
	}
	if len(pats) == 0 {
		return Personal{}
	}
	// The longest first, so that a full name goes before its words.
	slices.SortFunc(pats, func(x, y string) int { return len(y) - len(x) })
	pats = slices.Compact(pats)
	return Personal{re: regexp.MustCompile(`(?i)` + strings.Join(pats, "|"))}
}

func addrName(a *Address) string {
	if a == nil {
		return ""
	}
	return a.Name
}

// Redact is s with every personal term replaced by Erased.
func (p Personal) Redact(s string) string {
	if p.re == nil || s == "" {
		return s
	}
	return p.re.ReplaceAllString(s, Erased)
}

// Contains reports whether s holds a personal term.
func (p Personal) Contains(s string) bool { return p.re != nil && p.re.MatchString(s) }

// EraseCustomer removes the customer from the order: contact details, channels (nothing can
// reach them any more), the shipping address, proofs of delivery and any free text that may
// quote them, in the state and in its timeline. The order goes on (a parcel still on its way
// is tracked) and later contact changes are ignored, so a platform's update cannot bring the
// details back. extra are the terms the erasure was asked for (Personal). It is idempotent.
func (o *Order) EraseCustomer(at time.Time, by string, extra ...string) {
	p := PersonalOf(o.Customer, o.ShippingAddress, extra...)
	o.Customer = Customer{}
	o.Notify = []Channel{}
	o.ShippingAddress = nil
	o.CancelReason = p.Redact(o.CancelReason)
	o.ReturnReason = p.Redact(o.ReturnReason)
	if x := o.Exception; x != nil {
		x.Message = p.Redact(x.Message)
	}
	for i := range o.Shipments {
		o.Shipments[i].Proof = nil
	}
	for i := range o.Timeline {
		o.Timeline[i].Erase(p)
	}
	if o.ErasedAt == nil {
		at = utc(at)
		o.ErasedAt = &at
		o.record(Entry{At: at, Kind: KindStaff, Type: EntryCustomerErased, Actor: by, Description: "customer's personal details erased"})
	}
}

// Erase removes personal text from a timeline entry: a proof of delivery (the signer, the
// photo of the door), the caller's own words of a call-back request, the addresses of a
// contact change, and any personal term elsewhere.
func (e *Entry) Erase(p Personal) {
	e.Proof = nil
	switch {
	case e.Type == EntryHumanRequested:
		e.Description = "Customer asked for a call back"
	case strings.HasPrefix(e.Description, contactChanged):
		e.Description = strings.TrimSuffix(contactChanged, ": ")
	default:
		e.Description = p.Redact(e.Description)
	}
	e.Note = p.Redact(e.Note)
}

// contactChanged starts a contact change's description (updateContact).
const contactChanged = "contact changed: "

// EraseCustomer removes the customer p describes from an order view (the read model's copy
// of an order whose workflow has finished), by the same rule as Order.EraseCustomer.
func (v *View) EraseCustomer(p Personal) {
	v.Customer = Customer{}
	v.Notify.Channels = []Channel{}
	v.ShippingAddress = nil
	v.CancelReason = p.Redact(v.CancelReason)
	v.ReturnReason = p.Redact(v.ReturnReason)
	if x := v.Exception; x != nil {
		x.Message = p.Redact(x.Message)
	}
	for i := range v.Shipments {
		v.Shipments[i].Proof = nil
	}
	for i := range v.Timeline {
		v.Timeline[i].Erase(p)
	}
}

// EraseCustomer removes the customer from a commerce event as the inbox keeps it.
func (e *CommerceEvent) EraseCustomer(p Personal) {
	if e.Customer != nil {
		e.Customer = &Customer{}
	}
	e.ShippingAddress = nil
	e.Reason = p.Redact(e.Reason)
}

// EraseCustomer removes personal text from a carrier update as the inbox keeps it.
func (e *TrackingEvent) EraseCustomer(p Personal) {
	e.Proof = nil
	e.Description = p.Redact(e.Description)
}

// NormalEmail is an email address in the form erasure and export compare them in: trimmed
// and lower case.
func NormalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
