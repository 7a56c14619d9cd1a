// Package escalate brings staff in when an order has a problem: an alert in each configured
// chat (Slack, Microsoft Teams, Google Chat) and one Zendesk ticket per order, raised in
// priority when the problem outlives its SLA and updated when it closes. Channels live in
// subpackages; the durable flow that drives them is a workflow.
package escalate

import "context"

// Alert is one message to staff about an order's exception.
type Alert struct {
	// About names what the alert concerns when it is not an order's exception, such as
	// "Webhook endpoint ep_1"; it then takes the order's place in the title.
	About          string
	OrderID        string
	Reason         string // the exception's reason code, e.g. "stale", "late", "carrier_exception"
	Message        string // what happened, in a sentence
	Carrier        string
	TrackingNumber string
	TrackingURL    string // the carrier's or shipflow's tracking page
	OrderURL       string // where staff open the order (the API or the Temporal UI)
	Level          int    // 1 when raised, 2 after the SLA passed, ...
	Resolved       bool   // true for the closing message
	Resolution     string // how it closed: resolved_by_staff, carrier_progress, order_closed
}

// Alerter posts alerts to one staff chat. It must be safe to call again with the same alert
// (an activity retry): chats have no idempotency, so a repeat is at worst a duplicate line.
type Alerter interface {
	Name() string
	Alert(ctx context.Context, a Alert) error
}

// Ticket is the support ticket of an order's exception.
type Ticket struct {
	OrderID  string // the ticket's external id: one ticket per order, whatever retries happen
	Reason   string // the exception's reason code, e.g. "late" (what the customer is told); empty for a call-back request
	Subject  string
	Body     string // for staff only: a private note, never shown to the requester
	Priority string // low, normal, high, urgent
	Tags     []string

	// Requester is the customer the ticket is about, when customer-facing comments are on and
	// the order has their email; zero otherwise, and the ticket is staff's alone. Public is
	// what the customer is told on the ticket (the ticketing system mails it to them): fixed
	// words per exception reason in their language and the tracking link, never staff's or the
	// carrier's words. Both are set by the activity from the read model, not by the workflow.
	// Only Zendesk uses them; Freshdesk opens its tickets for its configured requester and
	// ignores both.
	Requester Requester `json:",omitzero"`
	Public    string    `json:",omitempty"`
}

// Requester is the end user a ticket is opened for.
type Requester struct {
	Name  string
	Email string
}

// Tickets opens and updates tickets. Open must return the existing ticket when one with the
// same OrderID exists, so an activity retry never opens a second.
type Tickets interface {
	Open(ctx context.Context, t Ticket) (id string, err error)
	Update(ctx context.Context, id string, u Update) error
}

// Update changes an open ticket: a comment, and optionally its priority or status.
type Update struct {
	Comment  string
	Priority string // empty: unchanged
	Status   string // empty: unchanged; "solved" when the exception closed
}
