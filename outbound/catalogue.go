package outbound

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/shipflow/shipflow/order"
)

// EventType is one entry of the outbound event catalogue (GET /v1/event-types): a type a
// subscriber may ask for, what it means, and a body exactly as an endpoint receives one.
type EventType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Example     *Body  `json:"example"`
}

// eventDescriptions say when each type is published; docs/reference/outbound-webhooks.md
// tables the same.
var eventDescriptions = map[order.PublishType]string{
	order.PublishOrderCreated:           "The order arrived.",
	order.PublishOrderConfirmed:         "The merchant confirmed the order.",
	order.PublishOrderPacked:            "The merchant packed the order.",
	order.PublishOrderShipped:           "A parcel left: one event per parcel of a split order, named in metadata.shipment_id.",
	order.PublishShipmentUpdated:        "A parcel's status, carrier, tracking number, items or ETA changed, or a driver reported a delay while another problem was open (data.event.delay).",
	order.PublishShipmentOutForDelivery: "A parcel is on the delivery vehicle today.",
	order.PublishShipmentException:      "An exception was raised on a parcel; data.event.exception says which and why.",
	order.PublishOrderDelivered:         "The order reached delivered (sent once).",
	order.PublishOrderCancelled:         "The order was cancelled.",
	order.PublishOrderReturnInitiated:   "A return was started.",
	order.PublishOrderRefundProcessed:   "The merchant refunded.",
	order.PublishNotificationFailed:     "A customer message failed on every channel; data.event.notification says which.",
	order.PublishOrderHumanRequested:    "A caller asked the voice line for a person to call back.",
}

// Catalogue is every outbound event type (order.PublishTypes) with its description and an
// example body. The examples are not written by hand: they are what order.Order published on
// an example order's way (exampleOrders), encoded by the same code as real events
// (order.EventData, NewBody), so they cannot drift from what subscribers receive. A type the
// example orders did not publish has a nil Example (the catalogue's test refuses that).
func Catalogue() []EventType {
	examples := exampleBodies()
	types := order.PublishTypes()
	out := make([]EventType, len(types))
	for i, t := range types {
		out[i] = EventType{Name: string(t), Description: eventDescriptions[t]}
		if b, ok := examples[t]; ok {
			out[i].Example = &b
		}
	}
	return out
}

// ExampleBody is the catalogue's example of type t, or false for a type it has none of.
func ExampleBody(t order.PublishType) (Body, bool) {
	b, ok := exampleBodies()[t]
	return b, ok
}

// exampleBodies is the first event of each type that exampleOrders published.
var exampleBodies = sync.OnceValue(func() map[order.PublishType]Body {
	out := map[order.PublishType]Body{}
	for _, ev := range exampleOrders() {
		t := order.PublishType(ev.Type)
		if _, ok := out[t]; !ok {
			out[t] = NewBody(ev, 1)
		}
	}
	return out
})

// exampleStart is when the example orders begin: a fixed time, so the catalogue is the same
// on every call and every replica.
var exampleStart = time.Date(2026, 5, 7, 10, 30, 0, 0, time.UTC)

// exampleOrders runs two example orders through the lifecycle (order.New, ApplyCommerce,
// ApplyTracking and the rest, as the order workflow does) and returns every event they
// published, as the workflow would have recorded it. The first order goes from created to
// refunded through a driver's delay, a failed message and a call for a person; the second is
// cancelled. A step the lifecycle refuses panics: the catalogue's test runs them.
func exampleOrders() []Event {
	var events []Event
	collect := func(o *order.Order, fx []order.Effect, at time.Time) {
		for _, e := range fx {
			p, ok := e.(order.Publish)
			if !ok {
				continue
			}
			data, err := json.Marshal(o.EventData(p.Detail))
			if err != nil {
				panic(fmt.Sprintf("encode example %s: %v", p.Type, err))
			}
			events = append(events, Event{
				ID: EventID(o.ID, p.Seq), OrderID: o.ID, Seq: p.Seq, Type: string(p.Type), ShipmentID: p.ShipmentID,
				Data: data, CreatedAt: at,
			})
		}
	}
	t := func(d time.Duration) time.Time { return exampleStart.Add(d) }
	eta := t(72 * time.Hour)
	late := t(96 * time.Hour)
	commerce := func(o *order.Order, typ order.EventType, at time.Time, set func(*order.CommerceEvent)) {
		e := order.CommerceEvent{ID: o.ID + "-" + string(typ), Type: typ, Timestamp: at, OrderID: o.ID}
		if set != nil {
			set(&e)
		}
		collect(o, o.ApplyCommerce(e), at)
	}
	const tracking = "05212345678901"
	scan := func(o *order.Order, st order.ShipmentStatus, at time.Time, city string) {
		collect(o, o.ApplyTracking(order.TrackingEvent{
			ID: "scan-" + string(st), Source: "aftership", Carrier: "dpd", TrackingNumber: tracking, Status: st,
			Description: "Parcel " + string(st), Location: order.Location{City: city, Country: "LT"}, OccurredAt: at,
		}), at)
	}
	must := func(fx []order.Effect, err error) []order.Effect {
		if err != nil {
			panic(fmt.Sprintf("example order: %v", err))
		}
		return fx
	}
	created := func(id string) *order.Order {
		o, fx, err := order.New(order.CommerceEvent{
			ID: id + "-created", Type: order.EventCreated, Timestamp: t(0), OrderID: id,
			Customer: &order.Customer{Name: "Ona Example", Email: "ona@example.com", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
			Notify:   []order.Channel{order.ChannelEmail, order.ChannelSMS},
			Items:    []order.Item{{SKU: "SHOE-42", Name: "Trail shoes", Quantity: 1}},
			ShippingAddress: &order.Address{Name: "Ona Example", Line1: "Gedimino pr. 1", City: "Vilnius", PostalCode: "01103",
				Country: "LT"},
			PromisedDelivery: &late,
		})
		if err != nil {
			panic(fmt.Sprintf("example order: %v", err))
		}
		collect(&o, fx, t(0))
		return &o
	}

	o := created("example-1001")
	commerce(o, order.EventConfirmed, t(10*time.Minute), nil)
	commerce(o, order.EventPacked, t(20*time.Hour), nil)
	commerce(o, order.EventShipped, t(22*time.Hour), func(e *order.CommerceEvent) {
		e.Shipment = &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: tracking, Items: []string{"SHOE-42"}, EstimatedDelivery: &eta}
	})
	scan(o, order.ShipmentInTransit, t(26*time.Hour), "Kaunas")
	at := t(48 * time.Hour)
	collect(o, must(o.ReportDelay(order.Delay{
		ID: "call-7f3a", TrackingNumber: tracking, Location: "A1 near Kaunas", Reason: "road closed by snow",
		ReasonCode: order.DelayWeather, RevisedETA: &late, At: at,
	})), at)
	scan(o, order.ShipmentOutForDelivery, t(90*time.Hour), "Vilnius")
	scan(o, order.ShipmentDelivered, t(94*time.Hour), "Vilnius")
	at = t(94*time.Hour + time.Minute)
	collect(o, o.NotificationFailed(order.MilestoneDelivered, "S1", "", "email: mailbox full; sms: number not reachable", at), at)
	at = t(120 * time.Hour)
	fx, _, err := o.HumanRequested(order.HumanRequest{ID: "call-9c1e", Reason: "wants to return the shoes", At: at, Source: "voice:vapi"})
	collect(o, must(fx, err), at)
	commerce(o, order.EventReturnInitiated, t(121*time.Hour), func(e *order.CommerceEvent) { e.Reason = "too small" })
	commerce(o, order.EventRefundProcessed, t(144*time.Hour), func(e *order.CommerceEvent) { e.Amount, e.Currency = "89.90", "EUR" })

	o = created("example-1002")
	commerce(o, order.EventCancelled, t(2*time.Hour), func(e *order.CommerceEvent) { e.Reason = "customer request" })
	return events
}
