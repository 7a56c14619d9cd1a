package template_test

import (
	"fmt"
	"log"
	"time"

	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
)

// A split order: the shoes ship with DPD and arrive tomorrow, the jacket
// follows with Omniva on Friday. The shipped SMS sums it up in the
// customer's language and time zone.
func ExampleSet_Render() {
	set, err := template.Load("") // built-in templates only
	if err != nil {
		log.Fatal(err)
	}
	tomorrow := time.Date(2026, 5, 7, 14, 0, 0, 0, time.UTC) // 17:00 in Vilnius
	friday := time.Date(2026, 5, 8, 9, 0, 0, 0, time.UTC)
	shoes := template.Shipment{ID: "shp_1", Carrier: "DPD", Items: []string{"Shoes"}, ETA: &tomorrow}
	jacket := template.Shipment{ID: "shp_2", Carrier: "Omniva", Items: []string{"Jacket"}, ETA: &friday}
	d := template.Data{
		OrderID:     "ord_1042",
		OrderNumber: "#1042",
		FirstName:   "Jonas",
		TimeZone:    "Europe/Vilnius",
		Now:         time.Date(2026, 5, 6, 10, 30, 0, 0, time.UTC), // a Wednesday
		Milestone:   order.MilestoneShipped,
		Shipment:    shoes,
		Shipments:   []template.Shipment{shoes, jacket},
		TrackingURL: "https://track.example.com/o/ord_1042",
	}
	for _, locale := range []string{"en", "lt-LT"} {
		d.Locale = locale
		r, err := set.Render(order.ChannelSMS, order.MilestoneShipped, d)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s\n", r.Locale, r.Text)
	}
	// Output:
	// en: Hi Jonas, a parcel from your order #1042 has shipped with DPD. Your Shoes arrive tomorrow, the Jacket on Friday. Track: https://track.example.com/o/ord_1042
	// lt: Sveiki, Jonai! Užsakymo #1042 siunta perduota kurjeriui DPD. Jūsų Shoes atkeliaus rytoj, o Jacket – penktadienį. Sekite siuntą: https://track.example.com/o/ord_1042
}
