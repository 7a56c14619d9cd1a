package escalate

import (
	"context"
	"fmt"
	"strings"
)

// Digest is one message of a staff milestone feed (docs/reference/feeds.md): the order events a
// logistics channel subscribed to since the last message, so that a busy hour is one message,
// not a flood. Exceptions are not here: they stay Alerts, each in its own message. Every text
// is plain (the chat packages escape it for their markup) and already in words.
type Digest struct {
	// Counts is how many events of each milestone the digest holds, in the order the
	// milestones first occur.
	Counts []Count
	// Lines are the first events, oldest first, at most MaxDigestLines.
	Lines []Line
	// More is how many events the digest holds beyond Lines ("and 37 more").
	More int
}

// MaxDigestLines is how many events a digest lists one by one: a screenful; the rest are
// counted.
const MaxDigestLines = 20

// Count is how many events of one milestone a digest holds.
type Count struct {
	Milestone string // e.g. "Shipped"
	N         int
}

// Line is one event of a digest.
type Line struct {
	OrderID   string
	Milestone string // e.g. "Shipped", "Out for delivery"
	Carrier   string // the carrier's name as staff know it, or empty
	Tracking  string // the tracking number, or empty
	Status    string // where the parcel or the order stands, in words, or empty
	URL       string // where staff open the order: its tracking page or the API; may be empty
}

// Total is how many events the digest holds.
func (d Digest) Total() int { return len(d.Lines) + d.More }

// Single reports whether the digest holds one event: it is then posted as one line.
func (d Digest) Single() bool { return len(d.Lines) == 1 && d.More == 0 }

// Feed posts milestone digests to one chat's webhook. It returns the HTTP status of the answer
// (0 when none came) and an error classified like an Alerter's: a *PermanentError for a
// refusal retrying cannot fix, a *RetryAfterError when the chat said when to come back, and
// any other error to retry; an *HTTPError inside carries the chat's answer.
type Feed interface {
	PostDigest(ctx context.Context, d Digest) (int, error)
}

// Facts is the line's event after its order id: "Shipped · DPD 05212345678901 · in transit".
func (l Line) Facts() string {
	parts := []string{l.Milestone}
	if p := strings.TrimSpace(l.Carrier + " " + l.Tracking); p != "" {
		parts = append(parts, p)
	}
	if l.Status != "" {
		parts = append(parts, l.Status)
	}
	return strings.Join(parts, " · ")
}

// Title is the digest's heading: "3 order updates" (or "1 order update").
func (d Digest) Title() string {
	if n := d.Total(); n != 1 {
		return fmt.Sprintf("%d order updates", n)
	}
	return "1 order update"
}

// Summary is the count per milestone in a line: "Shipped 2 · Delivered 1".
func (d Digest) Summary() string {
	parts := make([]string, len(d.Counts))
	for i, c := range d.Counts {
		parts[i] = fmt.Sprintf("%s %d", c.Milestone, c.N)
	}
	return strings.Join(parts, " · ")
}

// MoreText is the line under the listed events, or empty when every event is listed.
func (d Digest) MoreText() string {
	if d.More == 0 {
		return ""
	}
	return fmt.Sprintf("and %d more", d.More)
}
