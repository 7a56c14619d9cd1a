package tracktest

import (
	"time"

	"github.com/shipflow/shipflow/order"
)

// Journey is a typical parcel route from Riga to Vilnius, starting at
// start: label, pick-up, the Kaunas hub, out for delivery a day later. It
// saves tests from writing checkpoints when any plausible ones will do.
func Journey(start time.Time) []Checkpoint {
	start = start.UTC().Truncate(time.Second)
	riga := order.Location{City: "Riga", PostalCode: "LV-1050", Country: "LV"}
	return []Checkpoint{
		{At: start, Status: order.ShipmentInfoReceived,
			Description: "Shipment information received", Location: riga},
		{At: start.Add(3 * time.Hour), Status: order.ShipmentInTransit,
			Description: "Parcel picked up", Location: riga},
		{At: start.Add(14 * time.Hour), Status: order.ShipmentInTransit,
			Description: "Arrived at Kaunas hub", Location: order.Location{City: "Kaunas", Region: "Kauno apskritis", PostalCode: "LT-44248", Country: "LT"}},
		{At: start.Add(24 * time.Hour), Status: order.ShipmentOutForDelivery,
			Description: "Out for delivery", Location: order.Location{City: "Vilnius", PostalCode: "LT-01103", Country: "LT"}},
	}
}
