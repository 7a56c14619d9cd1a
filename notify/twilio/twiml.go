package twilio

import (
	"fmt"
	"strings"

	"github.com/twilio/twilio-go/twiml"

	"github.com/shipflow/shipflow/order"
)

// TwiMLContentType is the content type of a TwiML answer.
const TwiMLContentType = "text/xml"

// Reply is the TwiML answer to an inbound message (twilio-go's twiml package): one <Message>
// holding text, which Twilio sends back to the sender on the channel the message came in on,
// or an empty <Response> for an empty text, which sends nothing. Characters XML cannot carry
// (control characters other than line breaks and tabs) become spaces, so the answer is always
// a document Twilio can read.
func Reply(text string) ([]byte, error) {
	var verbs []twiml.Element
	if text = xmlSafe(text); strings.TrimSpace(text) != "" {
		verbs = append(verbs, twiml.MessagingMessage{Body: text})
	}
	doc, err := twiml.Messages(verbs)
	if err != nil {
		return nil, fmt.Errorf("write TwiML: %w", err)
	}
	return []byte(doc), nil
}

// xmlSafe is s with what XML 1.0 cannot hold, and what no reader should see, replaced by
// spaces (order.CleanText's rule, keeping line breaks and tabs).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n', r == '\t':
			return r
		case r == '\r':
			return '\n'
		case order.UnsafeRune(r), r == 0xfffe, r == 0xffff, r >= 0xd800 && r <= 0xdfff:
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
