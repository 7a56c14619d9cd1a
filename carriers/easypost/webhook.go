// Package easypost turns EasyPost tracker webhooks (docs/reference/inbound.md) into
// canonical tracking events. It owns what shipflow knows about EasyPost: the
// shape of its Tracker object, the mapping of its statuses and status
// details to shipment statuses, and how a tracking detail gets an id that
// stays the same whenever EasyPost repeats it. The signature is verified by
// the caller before ParseWebhook runs. Client polls EasyPost's trackers API for
// the same Tracker, so a polled detail has the id its webhook gives it.
package easypost

import (
	"encoding/json"
	"fmt"

	"github.com/shipflow/shipflow/carriers/normalize"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// Event descriptions that carry a Tracker. Every other EasyPost event
// (batch, insurance, refund, report, ...) is not about tracking.
const (
	eventTrackerCreated = "tracker.created"
	eventTrackerUpdated = "tracker.updated"
)

// event is the Event object EasyPost posts. Its result is a Tracker only
// for tracker events, so it is decoded once the description says so.
type event struct {
	ID          string          `json:"id"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
}

// ParseWebhook normalises one EasyPost webhook body into a delivery with a
// tracking event per tracking detail, oldest first, so that the inbox can
// store it and the relay can apply it. The delivery's EventID is the
// Event's id (evt_...), the same on every retry.
//
// Malformed JSON returns the *json.SyntaxError or *json.UnmarshalTypeError
// (wrapped), a missing or invalid field an *order.FieldError naming its path
// in the body, and an event other than tracker.created or tracker.updated
// inbox.ErrUnsupported.
func ParseWebhook(body []byte) (inbox.Delivery, error) {
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil {
		return inbox.Delivery{}, fmt.Errorf("easypost webhook: %w", err)
	}
	switch ev.Description {
	case eventTrackerCreated, eventTrackerUpdated:
	case "":
		return inbox.Delivery{}, normalize.Required("description")
	default:
		return inbox.Delivery{}, fmt.Errorf("easypost event %s: %w", order.Quote(ev.Description), inbox.ErrUnsupported)
	}
	if len(ev.Result) == 0 || string(ev.Result) == "null" {
		return inbox.Delivery{}, normalize.Required("result")
	}
	var t Tracker
	if err := json.Unmarshal(ev.Result, &t); err != nil {
		return inbox.Delivery{}, fmt.Errorf("easypost webhook result: %w", err)
	}
	events, err := t.Events()
	if err != nil {
		return inbox.Delivery{}, normalize.Within("result", err)
	}
	d, err := inbox.CheckedListed("tracking_details", inbox.Delivery{Source: inbox.SourceEasyPost, EventID: ev.ID, Tracking: events})
	return d, normalize.Within("result", err)
}
