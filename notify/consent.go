package notify

import (
	"context"
	"strings"
)

// Keyword is what an inbound text from a customer says about consent.
type Keyword string

// Keywords of inbound texts: STOP ends messages on the channel the text came on, START
// resumes them; anything else is no keyword (a question, a thank-you).
const (
	KeywordNone  Keyword = ""
	KeywordStop  Keyword = "stop"
	KeywordStart Keyword = "start"
)

// The carriers' standard consent words, matched on the whole text in any case. Twilio and
// WhatsApp texts share them, so a customer's STOP means the same on every channel.
var (
	stopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	startWords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
)

// KeywordOf reads an inbound text: the consent keyword it is, and the word as the log
// records it (upper case, trimmed); KeywordNone for any other text.
func KeywordOf(text string) (Keyword, string) {
	word := strings.ToUpper(strings.TrimSpace(text))
	switch {
	case stopWords[word]:
		return KeywordStop, word
	case startWords[word]:
		return KeywordStart, word
	}
	return KeywordNone, ""
}

// Consent applies an inbound text from address on channel to the opt-outs: STOP opts the
// address out of that channel, START back in. It returns the keyword the text was, so the
// caller can answer anything else.
func (l *Log) Consent(ctx context.Context, channel, address, text string) (Keyword, error) {
	k, word := KeywordOf(text)
	var err error
	switch k {
	case KeywordStop:
		err = l.OptOut(ctx, channel, address, "inbound "+word)
	case KeywordStart:
		err = l.OptIn(ctx, channel, address)
	}
	return k, err
}
