package order

import (
	"strings"
	"time"
)

// HumanRequest is a customer asking, on the voice line, for a person to call them back. It is
// a fact about the order, kept on its timeline, and a task for staff: one chat alert and one
// ticket note per request, whatever retries the voice platform or Temporal make.
type HumanRequest struct {
	// ID is the voice call's id: a call repeated with it is recorded once.
	ID string `json:"id"`
	// Reason is the caller's words, for staff only: no customer message quotes it.
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// Source is where the request came from, such as "voice:vapi".
	Source string `json:"source,omitempty"`
}

// HumanReasonMax caps a request's reason, in characters: what a caller says in a sentence,
// the voice line's cap on free text.
const HumanReasonMax = DelayTextMax

// Validate checks a request as it reaches the order: the voice line refuses bad text at the
// door, and this keeps any other path within the same bounds.
func (r HumanRequest) Validate() error {
	if r.ID == "" {
		return required("id")
	}
	// Platforms' call ids are text, not keys: the rule is the voice line's own.
	if err := CheckText("id", r.ID, MaxIDLen); err != nil {
		return err
	}
	if err := CheckText("reason", r.Reason, HumanReasonMax); err != nil {
		return err
	}
	if err := CheckText("source", r.Source, MaxCodeLen); err != nil {
		return err
	}
	if r.At.IsZero() {
		return required("at")
	}
	return nil
}

// AskStaff asks staff to call the customer back: an alert in each staff chat and a note on the
// order's ticket, where those are configured. Request.Reason is for staff only.
type AskStaff struct {
	Request HumanRequest
}

func (AskStaff) effect() {}

// CheckHumanRequest reports the error HumanRequested would return, changing nothing, for a
// workflow update's validator.
func (o *Order) CheckHumanRequest(r HumanRequest) error { return r.Validate() }

// HumanRequested records that the customer asked for a person and asks staff to call back. A
// request is taken in any state, a delivered or cancelled order too: that is when customers
// call. A repeat of the same ID does nothing and reports repeat, so the caller is told the
// same as the first time.
func (o *Order) HumanRequested(r HumanRequest) (fx []Effect, repeat bool, err error) {
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	if o.seen(seenHuman + r.ID) {
		return nil, true, nil
	}
	o.remember(seenHuman + r.ID)
	r = r.Clean()
	o.record(r.Entry())
	b := &batch{o: o}
	b.fx = append(b.fx, AskStaff{Request: r})
	b.publish(PublishOrderHumanRequested, "")
	o.settle(b, r.At)
	return b.fx, false, nil
}

// Clean is r as it is kept and passed to staff: dated in UTC, its reason cleaned and trimmed.
func (r HumanRequest) Clean() HumanRequest {
	r.At = utc(r.At)
	r.Reason = strings.TrimSpace(CleanText(r.Reason, HumanReasonMax))
	return r
}

// Entry is the timeline entry of a cleaned request (Clean), without its Seq. A request for an
// order whose workflow has finished is written to the read model with the same entry.
func (r HumanRequest) Entry() Entry {
	desc := "Customer asked for a call back"
	if r.Reason != "" {
		desc += ": " + r.Reason
	}
	src := r.Source
	if src == "" {
		src = "voice"
	}
	return Entry{At: r.At, Kind: KindCustomer, Type: EntryHumanRequested, Description: desc, EventID: r.ID, Source: src}
}
