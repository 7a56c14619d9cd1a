package track

import "strings"

// CarrierCode turns a carrier name as a merchant writes it ("DPD", " UPS ")
// into the form the aggregators' carrier codes take ("dpd", "ups"): trimmed
// and lower-cased, nothing more. Names that differ from a provider's code
// in more than case (say "Royal Mail" for AfterShip's "royal-mail") are
// the merchant's to write as the provider does; guessing would route a
// parcel to the wrong carrier silently.
func CarrierCode(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}
