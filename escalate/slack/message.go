package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shipflow/shipflow/escalate"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit): a message over one of them
// is refused with 400 invalid_blocks, so text is clipped to fit rather than lost.
const (
	maxHeader  = 150  // header block plain_text
	maxField   = 2000 // each section field
	maxSection = 3000 // section text
	maxURL     = 3000 // button url
	maxText    = 3000 // the notification fallback; Slack allows more, people read less
)

// payload is an incoming webhook message: text is the notification and screen-reader
// fallback, blocks are what the channel shows.
type payload struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks,omitempty"` // none: a one-line message
}

// block is one layout block; which fields are set depends on Type.
type block struct {
	Type     string    `json:"type"`
	Text     *textObj  `json:"text,omitempty"`     // header, section
	Fields   []textObj `json:"fields,omitempty"`   // section
	Elements []element `json:"elements,omitempty"` // context, actions
}

// textObj is a Block Kit text object.
type textObj struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"` // plain_text only: render :shortcodes:
}

// element is a context element (a text object: Type and Label) or an actions element (a link
// button: Type "button", Button set). Block Kit gives both a "text" key of different shapes,
// hence the custom encoding.
type element struct {
	Type   string
	Label  string // context: the mrkdwn text
	Button *button
}

// button is a link button: clicking opens URL in the browser.
type button struct {
	Text     textObj `json:"text"`
	URL      string  `json:"url"`
	ActionID string  `json:"action_id"`
	Style    string  `json:"style,omitempty"` // primary (green) or danger (red)
}

// MarshalJSON writes a button with its text object, anything else as a text object.
func (e element) MarshalJSON() ([]byte, error) {
	if e.Button != nil {
		return json.Marshal(struct {
			Type string `json:"type"`
			*button
		}{"button", e.Button})
	}
	return json.Marshal(textObj{Type: e.Type, Text: e.Label})
}

// message renders a as one Block Kit message: a header saying what happened to which order,
// a marker when the SLA has passed, the facts staff triage by as fields, the exception in a
// sentence (or how it closed), and buttons to the tracking page and the order.
func message(a escalate.Alert) payload {
	blocks := []block{{Type: "header", Text: &textObj{Type: "plain_text", Text: clip(title(a), maxHeader), Emoji: true}}}
	if breached(a) {
		blocks = append(blocks, block{Type: "context", Elements: []element{{Type: "mrkdwn", Label: fmt.Sprintf(
			":rotating_light: *SLA breached*: still open at escalation level %d", a.Level)}}})
	}
	blocks = append(blocks, block{Type: "section", Fields: []textObj{
		field("Order", a.OrderID),
		field("Reason", a.Reason),
		field("Carrier", a.Carrier),
		field("Tracking number", a.TrackingNumber),
	}})
	if s := body(a); s != "" {
		blocks = append(blocks, block{Type: "section", Text: &textObj{Type: "mrkdwn", Text: clipEscaped(s, maxSection)}})
	}
	var buttons []element
	if ok(a.TrackingURL) {
		buttons = append(buttons, element{Button: &button{
			Text: textObj{Type: "plain_text", Text: "Tracking page"}, URL: a.TrackingURL, ActionID: "shipflow_tracking",
		}})
	}
	if ok(a.OrderURL) {
		style := "primary"
		if breached(a) {
			style = "danger"
		}
		buttons = append(buttons, element{Button: &button{
			Text: textObj{Type: "plain_text", Text: "Open order"}, URL: a.OrderURL, ActionID: "shipflow_order", Style: style,
		}})
	}
	if len(buttons) > 0 {
		blocks = append(blocks, block{Type: "actions", Elements: buttons})
	}
	text := title(a) // the notification: what happened, then the exception or how it closed
	switch {
	case a.Resolved:
		text += " — " + escape(resolution(a.Resolution))
	case a.Message != "":
		text += " — " + escape(a.Message)
	}
	return payload{Text: clipEscaped(text, maxText), Blocks: blocks}
}

// title says in a line what happened to which order; its emoji tells the three apart at a
// glance.
func title(a escalate.Alert) string {
	reason := human(a.Reason)
	switch {
	case a.About != "":
		return fmt.Sprintf(":warning: %s: %s", a.About, reason)
	case a.Resolved:
		return fmt.Sprintf(":white_check_mark: Resolved: order %s (%s)", a.OrderID, reason)
	case breached(a):
		return fmt.Sprintf(":rotating_light: SLA breached, level %d: order %s (%s)", a.Level, a.OrderID, reason)
	}
	return fmt.Sprintf(":warning: Order %s needs attention: %s", a.OrderID, reason)
}

// body is the section under the fields: the exception, or how it closed and what it was.
func body(a escalate.Alert) string {
	msg := escape(a.Message)
	if !a.Resolved {
		return msg
	}
	s := "*Resolution:* " + escape(resolution(a.Resolution))
	if msg != "" {
		s += "\n*Exception was:* " + msg
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

// field is one "label over value" cell of the fields grid; Slack refuses an empty one.
func field(label, value string) textObj {
	if value == "" {
		value = "–"
	}
	return textObj{Type: "mrkdwn", Text: clipEscaped("*"+label+"*\n"+escape(value), maxField)}
}

// ok reports whether u can be a button's URL; Slack refuses the whole message otherwise.
func ok(u string) bool {
	return len(u) <= maxURL && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://"))
}

// human turns a code such as carrier_exception into words.
func human(code string) string {
	if code == "" {
		return "exception"
	}
	return strings.ReplaceAll(code, "_", " ")
}

// escape makes s literal in mrkdwn: Slack reads &, < and > as entities, links and mentions.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// clip shortens s to at most n characters, ending it with an ellipsis when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// clipEscaped clips escaped mrkdwn, dropping an entity the cut split (&am…) so that Slack
// does not show its remains.
func clipEscaped(s string, n int) string {
	c := clip(s, n)
	if c == s {
		return s
	}
	body := strings.TrimSuffix(c, "…")
	if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
		return body[:i] + "…"
	}
	return c
}
