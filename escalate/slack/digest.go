package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

var _ escalate.Feed = (*Alerter)(nil)

// PostDigest posts a milestone feed's digest to the webhook's channel: one line for a single
// event, else one Block Kit message with the counts per milestone and the events listed. As
// with Alert, a retry after a lost answer posts it twice.
func (a *Alerter) PostDigest(ctx context.Context, d escalate.Digest) (int, error) {
	what := fmt.Sprintf("slack: digest of %d order updates", d.Total())
	if a.webhookURL == "" {
		return 0, &escalate.PermanentError{Err: fmt.Errorf("%s: no webhook URL configured", what)}
	}
	return escalate.Post(ctx, a.hc, a.webhookURL, "application/json", what, digestMessage(d), describe)
}

// digestMessage renders d: a single event as a one-line text message; more as a header, the
// counts, the listed events (each order linked to its page) and how many more there are.
func digestMessage(d escalate.Digest) payload {
	if d.Single() {
		return payload{Text: clipEscaped(line(d.Lines[0]), maxText)}
	}
	blocks := []block{
		{Type: "header", Text: &textObj{Type: "plain_text", Text: clip(":package: "+d.Title(), maxHeader), Emoji: true}},
		{Type: "context", Elements: []element{{Type: "mrkdwn", Label: clipEscaped(escape(d.Summary()), maxSection)}}},
	}
	var lines []string
	for _, l := range d.Lines {
		lines = append(lines, "• "+line(l))
	}
	if len(lines) > 0 {
		blocks = append(blocks, block{Type: "section", Text: &textObj{Type: "mrkdwn", Text: clipLines(lines, maxSection)}})
	}
	if m := d.MoreText(); m != "" {
		blocks = append(blocks, block{Type: "context", Elements: []element{{Type: "mrkdwn", Label: "_" + m + "_"}}})
	}
	return payload{Text: clipEscaped(escape(d.Title()+": "+d.Summary()), maxText), Blocks: blocks}
}

// line is one event in mrkdwn: the order, linked to its page when there is one, and the facts.
func line(l escalate.Line) string {
	order := "*" + escape(l.OrderID) + "*"
	if ok(l.URL) && !strings.ContainsAny(l.URL, "|<>") {
		order = "<" + l.URL + "|" + escape(l.OrderID) + ">"
	}
	return order + " — " + escape(l.Facts())
}

// clipLines joins lines, leaving out whole lines from the end so that the text stays within
// n characters (a link cut in half would show its markup).
func clipLines(lines []string, n int) string {
	for len(lines) > 1 && len([]rune(strings.Join(lines, "\n"))) > n {
		lines = lines[:len(lines)-1]
	}
	return clipEscaped(strings.Join(lines, "\n"), n)
}
