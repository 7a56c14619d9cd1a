package order

// EventData is the data of an outbound event (docs/reference/outbound-webhooks.md): the order's
// view without its timeline, which would make every event as large as the order's whole
// history, and under "event" what this event says beyond the view (the exception it raised,
// the message that failed, the driver's report). The workflow encodes what it publishes with
// it, and the event catalogue its examples, so the two cannot drift apart.
type EventData struct {
	View
	Event *EventDetail `json:"event,omitempty"`
}

// EventData is the data of an event o publishes now with detail d (nil: none).
func (o *Order) EventData(d *EventDetail) EventData {
	return EventData{View: o.Summary(), Event: d}
}
