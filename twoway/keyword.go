package twoway

import "strings"

// Keyword is a consent word of an inbound text.
type Keyword int

// Keywords.
const (
	KeywordNone  Keyword = iota
	KeywordStop          // the number opts out of the channel
	KeywordStart         // the number opts back in
)

// The carriers' standard consent words, which Twilio's own opt-out handling also acts on.
var (
	stopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	startWords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
)

// KeywordOf is the consent word text is, whatever its case and surrounding spaces; a
// sentence that merely contains one ("stop sending me the wrong parcel") is none.
func KeywordOf(text string) Keyword {
	w := strings.ToUpper(strings.TrimSpace(text))
	switch {
	case stopWords[w]:
		return KeywordStop
	case startWords[w]:
		return KeywordStart
	}
	return KeywordNone
}
