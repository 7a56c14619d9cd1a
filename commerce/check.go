package commerce

import (
	"errors"
	"fmt"

	"github.com/shipflow/shipflow/inbox"
)

// CheckDelivery validates everything an adapter produced before the
// delivery is stored: a delivery is accepted once and then must apply, so
// an event the order workflow would reject has to be refused here, while
// the sender can still be told. Every commerce event must pass Validate,
// and so must every tracking event; one without a tracking number (a
// Shopify fulfillment event) must instead be routed by the delivery's
// ShipmentID and be valid apart from the number.
func CheckDelivery(d inbox.Delivery) error {
	switch {
	case d.Source == "":
		return errors.New("delivery has no source")
	case d.EventID == "":
		return errors.New("delivery has no event id")
	case len(d.Commerce) == 0 && len(d.Tracking) == 0:
		return fmt.Errorf("delivery %s carries no event: %w", d.EventID, inbox.ErrIgnored)
	}
	for _, e := range d.Commerce {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("%s event %s: %w", e.Type, e.ID, err)
		}
	}
	for _, e := range d.Tracking {
		if e.TrackingNumber == "" {
			if d.ShipmentID == "" {
				return fmt.Errorf("tracking event %s has neither a tracking number nor a shipment to route it: %w", e.ID, Missing("tracking_number"))
			}
			e.TrackingNumber = d.ShipmentID // stands in for the number the relay looks up
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("tracking event %s: %w", e.ID, err)
		}
	}
	return nil
}
