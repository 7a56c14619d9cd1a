package inbox

import (
	"fmt"

	"github.com/shipflow/shipflow/order"
)

// Check validates everything an adapter produced before the delivery is stored: a delivery
// is acknowledged once and then must apply, so an event the order workflow would drop, or
// that Postgres or Temporal would refuse, has to be refused here while the sender can still
// be told. Every event must pass its Validate and the input limits (order's CheckInput); a
// tracking event without a tracking number (a Shopify fulfillment event) must instead be
// routed by the delivery's ShipmentID. The source and the event id may still be unset: the
// webhook sets them from the headers. A delivery carries at most order.MaxEventsPerDelivery
// events: the relay sends one order's events together, and however it splits them, an
// acknowledged delivery must stay a bounded amount of work and history.
func (d Delivery) Check() error { return d.CheckListed("events") }

// CheckListed is Check for a delivery whose events the sender listed under field (AfterShip's
// "checkpoints"), so that a list too long is refused naming it.
func (d Delivery) CheckListed(field string) error {
	if len(d.Commerce) == 0 && len(d.Tracking) == 0 {
		return fmt.Errorf("delivery %s carries no event: %w", d.EventID, ErrIgnored)
	}
	if n := len(d.Commerce) + len(d.Tracking); n > order.MaxEventsPerDelivery {
		return &order.FieldError{Field: field, Problem: fmt.Sprintf("must list at most %d distinct events in one delivery, got %d", order.MaxEventsPerDelivery, n)}
	}
	if err := order.CheckText("event id", d.EventID, order.MaxIDLen); err != nil {
		return err
	}
	if d.OrderID != "" {
		if err := order.CheckKey("order id", d.OrderID, order.MaxOrderIDLen); err != nil {
			return err
		}
	}
	if err := order.CheckText("shipment id", d.ShipmentID, order.MaxIDLen); err != nil {
		return err
	}
	for _, e := range d.Commerce {
		if err := e.CheckInput(); err != nil {
			return fmt.Errorf("%s event: %w", order.Quote(string(e.Type)), err)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("%s event %s: %w", e.Type, e.ID, err)
		}
	}
	for _, e := range d.Tracking {
		if e.TrackingNumber == "" {
			if d.ShipmentID == "" {
				return fmt.Errorf("tracking event %s has neither a tracking number nor a shipment to route it: %w", e.ID,
					&order.FieldError{Field: "tracking_number", Problem: "is required"})
			}
			e.TrackingNumber = d.ShipmentID // stands in for the number the relay looks up
		}
		if err := e.CheckInput(); err != nil {
			return fmt.Errorf("tracking event: %w", err)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("tracking event %s: %w", e.ID, err)
		}
	}
	return nil
}

// Checked is d when it passes Check, for a parser's last line.
func Checked(d Delivery) (Delivery, error) { return CheckedListed("events", d) }

// CheckedListed is d when it passes CheckListed(field).
func CheckedListed(field string, d Delivery) (Delivery, error) {
	if err := d.CheckListed(field); err != nil {
		return Delivery{}, err
	}
	return d, nil
}
