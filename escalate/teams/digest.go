package teams

import (
	"context"
	"fmt"

	"github.com/shipflow/shipflow/escalate"
)

var _ escalate.Feed = (*Alerter)(nil)

// PostDigest posts a milestone feed's digest through the Workflows webhook as one Adaptive
// Card (a flow's "post card" step takes nothing else): a single event as one line, more as a
// title, the counts per milestone, the events listed and how many more there are. As with
// Alert, a 202 only says the flow started, and a retry after a lost answer posts it twice.
func (a *Alerter) PostDigest(ctx context.Context, d escalate.Digest) (int, error) {
	what := fmt.Sprintf("teams: digest of %d order updates", d.Total())
	if a.webhookURL == "" {
		return 0, &escalate.PermanentError{Err: fmt.Errorf("%s: no webhook URL configured", what)}
	}
	return escalate.Post(ctx, a.hc, a.webhookURL, "application/json", what, digestMessage(d), describe)
}

// digestMessage renders d as a card.
func digestMessage(d escalate.Digest) envelope {
	c := card{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: cardVersion,
		MSTeams: msteams{Width: "Full"},
	}
	if d.Single() {
		c.Body = []element{{Type: "TextBlock", Text: "📦 " + line(d.Lines[0]), Wrap: true}}
	} else {
		c.Body = append(c.Body,
			element{Type: "TextBlock", Text: "📦 " + d.Title(), Size: "Large", Weight: "Bolder", Wrap: true},
			element{Type: "TextBlock", Text: d.Summary(), Color: "Accent", Wrap: true})
		for _, l := range d.Lines {
			c.Body = append(c.Body, element{Type: "TextBlock", Text: "- " + line(l), Wrap: true})
		}
		if m := d.MoreText(); m != "" {
			c.Body = append(c.Body, element{Type: "TextBlock", Text: "_" + m + "_", Wrap: true})
		}
	}
	return envelope{Type: "message", Attachments: []attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     c,
	}}}
}

// line is one event in the card's Markdown: the order, linked to its page when there is one,
// and the facts.
func line(l escalate.Line) string {
	order := "**" + l.OrderID + "**"
	if ok(l.URL) {
		order = "[" + l.OrderID + "](" + l.URL + ")"
	}
	return order + " — " + l.Facts()
}
