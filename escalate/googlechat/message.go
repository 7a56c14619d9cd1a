package googlechat

import (
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// payload is a Chat message: text is the notification line above the card, the card is what
// staff read, and the thread key keeps every message of one order in one thread.
type payload struct {
	Text    string     `json:"text"`
	CardsV2 []cardWrap `json:"cardsV2,omitempty"`
	Thread  *thread    `json:"thread,omitempty"` // none: a thread of its own (a digest)
}

type thread struct {
	ThreadKey string `json:"threadKey"`
}

type cardWrap struct {
	CardID string `json:"cardId"`
	Card   card   `json:"card"`
}

type card struct {
	Header   header    `json:"header"`
	Sections []section `json:"sections"`
}

type header struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
}

type section struct {
	Widgets []widget `json:"widgets"`
}

// widget is one card widget; exactly one field is set.
type widget struct {
	TextParagraph *textParagraph `json:"textParagraph,omitempty"`
	DecoratedText *decoratedText `json:"decoratedText,omitempty"`
	ButtonList    *buttonList    `json:"buttonList,omitempty"`
}

// textParagraph and decoratedText text take Chat's small HTML subset (<b>, <font color>), so
// everything shipflow did not write is escaped.
type textParagraph struct {
	Text string `json:"text"`
}

type decoratedText struct {
	TopLabel string `json:"topLabel"`
	Text     string `json:"text"`
	WrapText bool   `json:"wrapText,omitempty"`
}

type buttonList struct {
	Buttons []button `json:"buttons"`
}

type button struct {
	Text    string  `json:"text"`
	OnClick onClick `json:"onClick"`
	Color   *color  `json:"color,omitempty"` // a filled button, for the order past its SLA
}

type onClick struct {
	OpenLink openLink `json:"openLink"`
}

type openLink struct {
	URL string `json:"url"`
}

// color is a google.type.Color: components from 0 to 1.
type color struct {
	Red   float64 `json:"red"`
	Green float64 `json:"green"`
	Blue  float64 `json:"blue"`
	Alpha float64 `json:"alpha"`
}

// red is Google's error red (#D93025), the colour of an order past its SLA.
var red = color{Red: 0.851, Green: 0.188, Blue: 0.145, Alpha: 1}

// message renders a as one card message in the order's thread: a header saying what happened
// to which order and at what level, a red marker when the SLA has passed, the facts staff
// triage by, the exception in a sentence (or how it closed), and buttons to the tracking page
// and the order.
func message(a escalate.Alert) payload {
	var ws []widget
	if breached(a) {
		ws = append(ws, widget{TextParagraph: &textParagraph{Text: fmt.Sprintf(
			`<font color="#d93025"><b>SLA breached</b></font>: still open at escalation level %d`, a.Level)}})
	}
	for _, f := range [][2]string{
		{"Order", a.OrderID},
		{"Reason", a.Reason},
		{"Carrier", a.Carrier},
		{"Tracking number", a.TrackingNumber},
	} {
		ws = append(ws, widget{DecoratedText: &decoratedText{TopLabel: f[0], Text: escape(orDash(f[1])), WrapText: true}})
	}
	if s := body(a); s != "" {
		ws = append(ws, widget{TextParagraph: &textParagraph{Text: s}})
	}
	var bs []button
	if ok(a.TrackingURL) {
		bs = append(bs, button{Text: "Tracking page", OnClick: onClick{OpenLink: openLink{URL: a.TrackingURL}}})
	}
	if ok(a.OrderURL) {
		b := button{Text: "Open order", OnClick: onClick{OpenLink: openLink{URL: a.OrderURL}}}
		if breached(a) {
			b.Color = &red
		}
		bs = append(bs, b)
	}
	if len(bs) > 0 {
		ws = append(ws, widget{ButtonList: &buttonList{Buttons: bs}})
	}
	text := title(a) // the notification line; a resolution is what staff need from it
	if a.Resolved {
		text += " — " + resolution(a.Resolution)
	}
	return payload{
		Text: text,
		CardsV2: []cardWrap{{
			CardID: "shipflow-exception",
			Card:   card{Header: header{Title: title(a), Subtitle: subtitle(a)}, Sections: []section{{Widgets: ws}}},
		}},
		Thread: &thread{ThreadKey: threadKey(a.OrderID)},
	}
}

// threadKey is the thread every message about the order goes to, so that staff read an
// exception's raise, escalations and resolution as one conversation.
func threadKey(orderID string) string { return "order-" + orderID }

// title says in a line what happened to which order; its emoji tells the three apart.
func title(a escalate.Alert) string {
	reason := human(a.Reason)
	switch {
	case a.About != "":
		return fmt.Sprintf("⚠️ %s: %s", a.About, reason)
	case a.Resolved:
		return fmt.Sprintf("✅ Resolved: order %s (%s)", a.OrderID, reason)
	case breached(a):
		return fmt.Sprintf("🚨 SLA breached, level %d: order %s (%s)", a.Level, a.OrderID, reason)
	}
	return fmt.Sprintf("⚠️ Order %s needs attention: %s", a.OrderID, reason)
}

// subtitle says where the exception stands.
func subtitle(a escalate.Alert) string {
	switch {
	case a.Resolved:
		return "Resolution: " + resolution(a.Resolution)
	case breached(a):
		return fmt.Sprintf("Escalation level %d, past its SLA", a.Level)
	}
	return "Raised, escalation level 1"
}

// body is the paragraph under the facts: the exception, or how it closed and what it was.
func body(a escalate.Alert) string {
	msg := escape(a.Message)
	if !a.Resolved {
		return msg
	}
	s := "<b>Resolution:</b> " + escape(resolution(a.Resolution))
	if msg != "" {
		s += "<br><b>Exception was:</b> " + msg
	}
	return s
}

// breached reports whether the alert is an escalation past the SLA rather than the first one.
func breached(a escalate.Alert) bool { return !a.Resolved && a.Level >= 2 }

// resolution says how an exception closed in words, for the codes shipflow uses.
func resolution(code string) string {
	switch code {
	case "resolved_by_staff":
		return "resolved by staff"
	case "carrier_progress":
		return "the carrier reported progress"
	case "order_closed":
		return "the order was closed"
	case "":
		return "closed"
	}
	return human(code)
}

// ok reports whether u can be an openLink target; Chat refuses the message otherwise.
func ok(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}

// human turns a code such as carrier_exception into words.
func human(code string) string {
	if code == "" {
		return "exception"
	}
	return strings.ReplaceAll(code, "_", " ")
}

// orDash shows a missing fact as a dash rather than an empty widget, which Chat refuses.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// escape makes s literal in card text, which Chat reads as HTML.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
