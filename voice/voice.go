// Package voice answers a voice assistant mid-call: "where is my order?" and the few things a
// caller or a driver may ask for. It speaks the POSKAI tool-call shape (docs/reference/voice.md) and
// adapts Vapi's and Retell's, verifies the caller by phone before disclosing anything, answers
// within a deadline from the last known state, and writes the assistant's instructions from the
// order's real state in the caller's language and time zone.
package voice

import (
	"context"
	"errors"
	"time"

	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/order"
)

// ErrNotFound is what a Source says about an order it does not know.
var ErrNotFound = errors.New("order not found")

// Found is an order as a Source found it.
type Found struct {
	order.View
	// Received says the order is known only from its accepted order.created delivery: shipflow
	// acknowledged the order (the webhook was answered 2xx), but the relay has not brought it
	// to its workflow yet, so View holds what that event says (customer, items, promised date)
	// and nothing that may have happened since. The caller hears that the order was received
	// and is being prepared, never "not found".
	Received bool
}

// Source looks orders up. It must answer fast and never wait on a carrier.
type Source interface {
	// Order returns the order's current view, or ErrNotFound for an order shipflow has not
	// acknowledged at all.
	Order(ctx context.Context, orderID string) (Found, error)
	// OrderForTracking finds the order of a tracking number, or ErrNotFound.
	OrderForTracking(ctx context.Context, trackingNumber string) (string, error)
}

// Actions are the changes a call may make to an order.
type Actions interface {
	// SetChannels replaces the order's notification channels (subscribe_updates adds one).
	SetChannels(ctx context.Context, orderID string, channels []order.Channel) error
	// ReportDelay records a driver's delay report.
	ReportDelay(ctx context.Context, orderID string, d order.Delay) error
	// RequestHuman records the customer's request for a call back with the order, which asks
	// staff for it, and says who was asked. A repeat of the same request ID is recorded once.
	RequestHuman(ctx context.Context, orderID string, r order.HumanRequest) (Staffed, error)
}

// Staffed is who acts on a call-back request: Chats staff chats alerted, and a support ticket
// when Ticket. With neither the request is only on the order's timeline, and the caller must
// not be told that anyone was told.
type Staffed struct {
	Chats  int
	Ticket bool
}

// Told reports whether anyone will hear of the request without opening the order.
func (s Staffed) Told() bool { return s.Chats > 0 || s.Ticket }

// Attempts counts failed caller verifications (see MaxFailuresPerCall). It
// is shared by every serve replica, so a caller gains nothing by landing on
// another one.
type Attempts interface {
	// Failures counts the failures recorded under key within window.
	Failures(ctx context.Context, key string, window time.Duration) (int, error)
	// Fail records one failure under each key.
	Fail(ctx context.Context, keys ...string) error
}

// Memo remembers the first answer to a tool call, so a repeated call_id + tool + parameters
// (voice platforms retry) returns the same answer. It is shared by every serve replica.
type Memo interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, answer []byte, ttl time.Duration) error
}

// Lookups counts lookup_shipment_status answers by outcome and day, for the console's insight
// page: the memo forgets answers after a day and the attempts table holds only failures.
type Lookups interface {
	// CountLookup adds one lookup with outcome on day (its UTC date).
	CountLookup(ctx context.Context, day time.Time, outcome LookupOutcome) error
}

// Trail is the audit trail of the voice line: every first answer to a tool call is an entry
// (audit.ActionVoiceLookup), naming the order looked up and whether the caller was verified.
type Trail interface {
	// Record appends e and, when count is not nil, counts the lookup as Lookups.CountLookup
	// does, both in one round trip.
	Record(ctx context.Context, e audit.Entry, count *Count) error
}

// Count is one lookup_shipment_status answer to count: its outcome on its day (UTC date).
type Count struct {
	Day     time.Time
	Outcome LookupOutcome
}

// LookupOutcome is what a caller's lookup came to.
type LookupOutcome string

// Lookup outcomes. Every answered lookup is one of them.
const (
	// LookupVerified: the caller was verified and heard the order's status.
	LookupVerified LookupOutcome = "verified"
	// LookupNotFound: no order has the number the caller gave.
	LookupNotFound LookupOutcome = "not_found"
	// LookupUnverified: the order exists but the caller was not verified (asked for the phone
	// number, a mismatch, or locked out).
	LookupUnverified LookupOutcome = "unverified"
	// LookupError: shipflow could not answer in time or at all, and apologised.
	LookupError LookupOutcome = "error"
)

// LookupOutcomes are every outcome, in the order the console shows them.
var LookupOutcomes = []LookupOutcome{LookupVerified, LookupUnverified, LookupNotFound, LookupError}

// outcomeOf is the outcome of a lookup answered with status.
func outcomeOf(status string) LookupOutcome {
	switch status {
	case StatusSuccess:
		return LookupVerified
	case StatusNotFound:
		return LookupNotFound
	case StatusVerificationRequired:
		return LookupUnverified
	}
	return LookupError
}
