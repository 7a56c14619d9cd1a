// Package aftership turns AfterShip Tracking webhooks (docs/reference/inbound.md) into
// canonical tracking events. It owns what shipflow knows about AfterShip: the
// shape of its tracking object, the mapping of its tags and subtags to
// shipment statuses, and how a checkpoint gets an id that stays the same
// whenever AfterShip repeats it. The signature is verified by the caller
// before ParseWebhook runs. Client polls AfterShip's tracking API for the same
// tracking object, so a polled checkpoint has the id its webhook gives it.
package aftership

import (
	"encoding/json"
	"fmt"

	"github.com/shipflow/shipflow/carriers/normalize"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// eventTrackingUpdate is the only AfterShip Tracking event that reports a
// shipment status; edd_revise and tracking_pending_time carry none.
const eventTrackingUpdate = "tracking_update"

// webhook is the envelope AfterShip posts. Its msg is decoded once the
// event says it is a tracking update. is_tracking_first_tag and ts are not
// decoded: shipflow does not use them, and a sender that quotes them should
// not have its delivery refused for it.
type webhook struct {
	Event   string          `json:"event"`
	EventID string          `json:"event_id"`
	Msg     json.RawMessage `json:"msg"`
}

// ParseWebhook normalises one AfterShip webhook body into a delivery with a
// tracking event per checkpoint, oldest first, so that the inbox can store it
// and the relay can apply it. The delivery's EventID is AfterShip's event_id.
//
// Malformed JSON returns the *json.SyntaxError or *json.UnmarshalTypeError
// (wrapped), a missing or invalid field an *order.FieldError naming its path
// in the body, and an event other than tracking_update inbox.ErrUnsupported.
func ParseWebhook(body []byte) (inbox.Delivery, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return inbox.Delivery{}, fmt.Errorf("aftership webhook: %w", err)
	}
	switch {
	case w.Event == "":
		return inbox.Delivery{}, normalize.Required("event")
	case w.Event != eventTrackingUpdate:
		return inbox.Delivery{}, fmt.Errorf("aftership event %s: %w", order.Quote(w.Event), inbox.ErrUnsupported)
	case len(w.Msg) == 0 || string(w.Msg) == "null":
		return inbox.Delivery{}, normalize.Required("msg")
	}
	var t Tracking
	if err := json.Unmarshal(w.Msg, &t); err != nil {
		return inbox.Delivery{}, fmt.Errorf("aftership webhook msg: %w", err)
	}
	events, err := t.Events()
	if err != nil {
		return inbox.Delivery{}, normalize.Within("msg", err)
	}
	d, err := inbox.CheckedListed("checkpoints", inbox.Delivery{Source: inbox.SourceAfterShip, EventID: w.EventID, Tracking: events})
	return d, normalize.Within("msg", err)
}
