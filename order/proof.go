package order

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Proof is a carrier's proof of delivery: who signed, where the parcel was left and a photo
// of it, each as far as the provider gives them.
//
// Location is the carrier's own words, for staff and subscribers; a customer is told only
// Place, the fixed and translated phrase they are sorted into (ClassifyPlace), and the signer
// only when the name reads as a name (CustomerSigner): whoever can post to a carrier webhook
// must not be able to put words of their own in front of a customer.
type Proof struct {
	SignedBy string        `json:"signed_by,omitempty"`
	Location string        `json:"location,omitempty"`
	Place    DeliveryPlace `json:"place,omitempty"`
	// PhotoURL is an https link to the carrier's delivery photo.
	PhotoURL string `json:"photo_url,omitempty"`
}

// Limits of a proof of delivery's fields, in characters.
const (
	MaxSignedByLen = 100
	MaxPhotoURLLen = 2048
)

// IsZero reports whether the proof says nothing.
func (p Proof) IsZero() bool { return p == Proof{} }

// DeliveryPlace is where a parcel was left, from a small fixed set that messages, the
// tracking page and the voice line word in the customer's language.
type DeliveryPlace string

// Delivery places.
const (
	PlaceFrontDoor   DeliveryPlace = "front_door"
	PlaceBackDoor    DeliveryPlace = "back_door"
	PlaceMailbox     DeliveryPlace = "mailbox"
	PlaceLocker      DeliveryPlace = "parcel_locker"
	PlacePickupPoint DeliveryPlace = "pickup_point"
	PlaceReception   DeliveryPlace = "reception"
	PlaceNeighbour   DeliveryPlace = "neighbour"
	PlaceInPerson    DeliveryPlace = "in_person"
	PlaceSafePlace   DeliveryPlace = "safe_place"
	PlaceOther       DeliveryPlace = "other"
)

// DeliveryPlaces are every place, in the order they are documented.
var DeliveryPlaces = []DeliveryPlace{PlaceFrontDoor, PlaceBackDoor, PlaceMailbox, PlaceLocker, PlacePickupPoint,
	PlaceReception, PlaceNeighbour, PlaceInPerson, PlaceSafePlace, PlaceOther}

// placeKeywords sort a carrier's words into a place, first match wins: the more specific
// places first ("locker at the front door" is a locker). A keyword matches the start of a
// word, as the delay reasons' do.
var placeKeywords = []struct {
	place DeliveryPlace
	words []string
}{
	{PlaceLocker, []string{"locker", "parcel machine", "parcel terminal", "paštomat", "paštomat", "packstation", "inpost", "omniva", "smartpost", "automat"}},
	{PlacePickupPoint, []string{"pickup point", "pick-up point", "pick up point", "parcel shop", "parcelshop", "access point", "post office", "service point", "paštas", "atsiėmimo"}},
	{PlaceReception, []string{"reception", "front desk", "mail room", "mailroom", "concierge", "office", "receptio"}},
	{PlaceNeighbour, []string{"neighbour", "neighbor", "kaimyn", "nachbar"}},
	{PlaceMailbox, []string{"mailbox", "mail box", "letterbox", "letter box", "parcel box", "pašto dėž", "briefkasten"}},
	{PlaceBackDoor, []string{"back door", "rear door", "backdoor", "side door", "galin"}},
	{PlaceFrontDoor, []string{"front door", "frontdoor", "porch", "door", "durys", "duris", "prie dur", "haustür"}},
	{PlaceSafePlace, []string{"safe place", "safeplace", "garage", "shed", "garden", "patio", "garaž"}},
	{PlaceInPerson, []string{"in person", "handed", "signed", "recipient", "resident", "customer", "addressee", "gavėj", "asmeniškai"}},
}

// ClassifyPlace is the place a carrier's words speak of: a place code as such, else a
// keyword match, else PlaceOther; "" for no words at all.
func ClassifyPlace(words string) DeliveryPlace {
	if strings.TrimSpace(words) == "" {
		return ""
	}
	low := strings.ToLower(strings.TrimSpace(words))
	for _, p := range DeliveryPlaces {
		if low == string(p) {
			return p
		}
	}
	norm := " " + strings.Join(strings.FieldsFunc(low, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-'
	}), " ") + " "
	for _, k := range placeKeywords {
		for _, w := range k.words {
			if strings.Contains(norm, " "+w) {
				return k.place
			}
		}
	}
	return PlaceOther
}

// CustomerSigner is the signer's name as a customer may be shown it: letters, spaces and the
// marks names use (. - '), at most 64 characters; "" otherwise.
func (p Proof) CustomerSigner() string {
	s := strings.TrimSpace(p.SignedBy)
	if s == "" || utf8.RuneCountInString(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !strings.ContainsRune(" .-'’", r) {
			return ""
		}
	}
	return s
}

// CheckPhotoURL refuses a photo link that is not a plain https URL: a customer clicks it.
func CheckPhotoURL(field, s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxPhotoURLLen {
		return invalid(field, "must be at most %d characters, got %d", MaxPhotoURLLen, len(s))
	}
	for i := range len(s) {
		if c := s[i]; c <= 0x20 || c >= 0x7f {
			return invalid(field, "must be printable ASCII without spaces (percent-encode the rest), found %s at byte %d", describeByte(s, i), i)
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return invalid(field, "must be an https URL with a host and no credentials, got %s", Quote(s))
	}
	return nil
}

// checkInput applies the input limits to a proof whose fields sit under prefix.
func (p Proof) checkInput(prefix string) error {
	if err := checkAll([]fieldCheck{
		{prefix + ".signed_by", p.SignedBy, MaxSignedByLen},
		{prefix + ".location", p.Location, MaxLineLen},
	}); err != nil {
		return err
	}
	if p.Place != "" && ClassifyPlace(string(p.Place)) != p.Place {
		return invalid(prefix+".place", "is not a known delivery place: %s", Quote(string(p.Place)))
	}
	return CheckPhotoURL(prefix+".photo_url", p.PhotoURL)
}

// clean is p made to meet the input limits, for a source that cannot be refused; a photo
// link that is not https is dropped.
func (p Proof) clean() Proof {
	p.SignedBy = strings.TrimSpace(CleanText(p.SignedBy, MaxSignedByLen))
	p.Location = strings.TrimSpace(CleanText(p.Location, MaxLineLen))
	if p.Place != "" && ClassifyPlace(string(p.Place)) != p.Place {
		p.Place = ""
	}
	if CheckPhotoURL("photo_url", p.PhotoURL) != nil {
		p.PhotoURL = ""
	}
	return p
}

// NewProof is a proof from a provider's fields, its place sorted from the carrier's words;
// nil when the provider gave none of them.
func NewProof(signedBy, location, photoURL string) *Proof {
	p := Proof{SignedBy: strings.TrimSpace(signedBy), Location: strings.TrimSpace(location), PhotoURL: strings.TrimSpace(photoURL)}
	p.Place = ClassifyPlace(p.Location)
	if p.IsZero() {
		return nil
	}
	return &p
}
