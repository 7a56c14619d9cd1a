package googlechat

import (
	"context"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

var _ escalate.Feed = (*Alerter)(nil)

// PostDigest posts a milestone feed's digest to the space: a single event as one text line,
// more as one card with the counts per milestone, the events listed and how many more there
// are. Digests are not threaded: each starts its own thread, apart from the exception threads.
// As with Alert, a retry after a lost answer posts it twice.
func (a *Alerter) PostDigest(ctx context.Context, d escalate.Digest) (int, error) {
	what := fmt.Sprintf("google chat: digest of %d order updates", d.Total())
	if a.urlErr != nil {
		return 0, &escalate.PermanentError{Err: fmt.Errorf("%s: %w", what, a.urlErr)}
	}
	return escalate.Post(ctx, a.hc, a.postURL, "application/json; charset=UTF-8", what, digestMessage(d), describe)
}

// digestMessage renders d. A text message takes Chat's own markup (*bold*, <url|text>), a card
// takes its HTML subset; each escapes what shipflow did not write.
func digestMessage(d escalate.Digest) payload {
	if d.Single() {
		l := d.Lines[0]
		order := "*" + escape(l.OrderID) + "*"
		if ok(l.URL) && !strings.ContainsAny(l.URL, "|<>") {
			order = "<" + l.URL + "|" + escape(l.OrderID) + ">"
		}
		return payload{Text: "📦 " + order + " — " + escape(l.Facts())}
	}
	var rows []string
	for _, l := range d.Lines {
		order := "<b>" + escape(l.OrderID) + "</b>"
		if ok(l.URL) {
			order = `<a href="` + escape(l.URL) + `">` + escape(l.OrderID) + "</a>"
		}
		rows = append(rows, order+" — "+escape(l.Facts()))
	}
	ws := []widget{{TextParagraph: &textParagraph{Text: strings.Join(rows, "<br>")}}}
	if m := d.MoreText(); m != "" {
		ws = append(ws, widget{TextParagraph: &textParagraph{Text: "<i>" + m + "</i>"}})
	}
	return payload{
		Text: d.Title() + ": " + d.Summary(),
		CardsV2: []cardWrap{{
			CardID: "shipflow-digest",
			Card:   card{Header: header{Title: "📦 " + d.Title(), Subtitle: d.Summary()}, Sections: []section{{Widgets: ws}}},
		}},
	}
}
