package order

import (
	"fmt"
	"strings"
	"unicode"
)

// DelayReason is why a driver says a shipment is late, from a small fixed
// set. A customer is told the reason only as the fixed, translated sentence
// of its code (notify/template): a driver's own words, or a stranger's on
// the voice line, never reach a customer. Staff and subscribers get the
// words too (Delay.Reason, capped by DelayTextMax).
type DelayReason string

// Delay reasons.
const (
	DelayTraffic DelayReason = "traffic"
	DelayWeather DelayReason = "weather"
	DelayVehicle DelayReason = "vehicle"
	DelayCustoms DelayReason = "customs"
	DelayAddress DelayReason = "address"
	DelayOther   DelayReason = "other"
)

// DelayReasons are every delay reason, in the order they are documented.
var DelayReasons = []DelayReason{DelayTraffic, DelayWeather, DelayVehicle, DelayCustoms, DelayAddress, DelayOther}

// ParseDelayReason reads a reason code as written ("customs", "Customs").
func ParseDelayReason(s string) (DelayReason, error) {
	r := DelayReason(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range DelayReasons {
		if r == known {
			return r, nil
		}
	}
	return "", fmt.Errorf("%q is not a delay reason; the reasons are traffic, weather, vehicle, customs, address, other", s)
}

// delayKeywords pick a reason from a driver's words, English and Lithuanian
// stems, first match wins: customs and address before vehicle and traffic,
// so "stuck at customs in traffic" is a customs delay (the more specific
// one). A keyword matches the start of a word ("snow" in "snowing", not
// "rain" in "train"); one ending in a space matches a whole word only
// ("ice " is not "icelandic").
var delayKeywords = []struct {
	reason DelayReason
	words  []string
}{
	{DelayCustoms, []string{"customs", "muitin"}},
	{DelayAddress, []string{"address", "adres", "wrong house", "find the house", "house number"}},
	{DelayVehicle, []string{"vehicle", "van ", "vans ", "truck", "lorry", "breakdown", "broke down", "broken down",
		"tyre", "tire ", "tires ", "engine", "fuel", "battery", "automobil", "mašin", "sugedo", "sugedus", "gedim",
		"padang", "furgon", "kuro "}},
	{DelayWeather, []string{"weather", "snow", "storm", "ice ", "icy ", "rain", "flood", "fog ", "foggy", "wind ", "windy",
		"blizzard", "oras ", "orai ", "orų ", "snieg", "lietus", "lyja", "lijo", "audr", "plikled", "rūk", "pūg"}},
	{DelayTraffic, []string{"traffic", "jam ", "jams ", "congestion", "accident", "roadworks", "road works", "road closed",
		"detour", "spūst", "kamš", "eism", "avarij", "remont", "kelio darb"}},
}

// ClassifyDelay is the reason a driver's words speak of: a reason code as
// such, else a plain keyword match, else DelayOther. The words are free
// text from a phone call: the result decides only which fixed sentence a
// customer hears.
func ClassifyDelay(words string) DelayReason {
	if r, err := ParseDelayReason(words); err == nil {
		return r
	}
	// The words as " w1 w2 ... ", lower case, anything but letters and
	// digits a separator, so a keyword is found at a word's start.
	norm := " " + strings.Join(strings.FieldsFunc(strings.ToLower(words), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}), " ") + " "
	for _, k := range delayKeywords {
		for _, w := range k.words {
			if strings.Contains(norm, " "+w) {
				return k.reason
			}
		}
	}
	return DelayOther
}

// DelayTextMax caps a delay report's free text (its reason and location),
// in characters: a driver says a sentence, not a letter.
const DelayTextMax = 200

// CheckDelayText checks a delay report's free text field: CheckText's rule at
// DelayTextMax characters.
func CheckDelayText(field, s string) error { return CheckText(field, s, DelayTextMax) }

// delayText is s made fit for staff by CleanText. The voice line refuses such
// text at the door; this keeps a report from any other path within the same
// bounds.
func delayText(s string) string { return strings.TrimSpace(CleanText(s, DelayTextMax)) }
