package teams

import (
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// cardVersion is the Adaptive Card schema version used: 1.4 renders on every Teams client
// (desktop, web, mobile); 1.5 features such as heading styles do not everywhere.
const cardVersion = "1.4"

// envelope is what a Workflows webhook trigger expects: a Bot Framework activity of type
// message whose attachments carry the card inline, so contentUrl is always null.
type envelope struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"`
	Content     card    `json:"content"`
}

// card is an Adaptive Card.
type card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	MSTeams msteams   `json:"msteams"`
	Body    []element `json:"body"`
	Actions []action  `json:"actions,omitempty"`
}

// msteams holds Teams' own card options: the full message width keeps the facts on one line.
type msteams struct {
	Width string `json:"width"`
}

// element is a body element: a TextBlock or a FactSet, by Type.
type element struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	Size   string `json:"size,omitempty"`
	Weight string `json:"weight,omitempty"`
	Color  string `json:"color,omitempty"`
	Wrap   bool   `json:"wrap,omitempty"`
	Facts  []fact `json:"facts,omitempty"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// action is an Action.OpenUrl button.
type action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Style string `json:"style,omitempty"` // positive or destructive
}

// message renders a as an Adaptive Card: a coloured title saying what happened to which
// order, a marker when the SLA has passed, the facts staff triage by, the exception in a
// sentence (or how it closed), and buttons to the tracking page and the order.
func message(a escalate.Alert) envelope {
	c := card{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: cardVersion,
		MSTeams: msteams{Width: "Full"},
	}
	c.Body = append(c.Body, element{Type: "TextBlock", Text: title(a), Size: "Large", Weight: "Bolder", Color: color(a), Wrap: true})
	if breached(a) {
		c.Body = append(c.Body, element{Type: "TextBlock", Weight: "Bolder", Color: "Attention", Wrap: true,
			Text: fmt.Sprintf("SLA breached: still open at escalation level %d", a.Level)})
	}
	c.Body = append(c.Body, element{Type: "FactSet", Facts: []fact{
		{"Order", orDash(a.OrderID)},
		{"Reason", orDash(a.Reason)},
		{"Carrier", orDash(a.Carrier)},
		{"Tracking number", orDash(a.TrackingNumber)},
	}})
	if s := body(a); s != "" {
		c.Body = append(c.Body, element{Type: "TextBlock", Text: s, Wrap: true})
	}
	if ok(a.TrackingURL) {
		c.Actions = append(c.Actions, action{Type: "Action.OpenUrl", Title: "Tracking page", URL: a.TrackingURL})
	}
	if ok(a.OrderURL) {
		style := "positive"
		if breached(a) {
			style = "destructive"
		}
		c.Actions = append(c.Actions, action{Type: "Action.OpenUrl", Title: "Open order", URL: a.OrderURL, Style: style})
	}
	return envelope{Type: "message", Attachments: []attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     c,
	}}}
}

// title says in a line what happened to which order; emoji and colour tell the three apart.
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

// color is the title's Adaptive Card colour: amber when raised, red past the SLA, green when
// resolved.
func color(a escalate.Alert) string {
	switch {
	case a.Resolved:
		return "Good"
	case breached(a):
		return "Attention"
	}
	return "Warning"
}

// body is the text under the facts: the exception, or how it closed and what it was.
func body(a escalate.Alert) string {
	if !a.Resolved {
		return a.Message
	}
	s := "**Resolution:** " + resolution(a.Resolution)
	if a.Message != "" {
		s += "\n\n**Exception was:** " + a.Message
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

// ok reports whether u can be an Action.OpenUrl target; Teams drops a card with a bad one.
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

// orDash shows a missing fact as a dash rather than an empty row.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
