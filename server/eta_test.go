package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// TestETAAgreesBetweenReadModelAndVoice: the read model's order ETA and what a voice caller is
// told come from one rule, order.View.ETA. A parcel returned to the sender is not coming, so
// an order with one parcel delivered and the other returned has no ETA in either; the read
// model used to keep the returned parcel's estimate while voice dropped it.
func TestETAAgreesBetweenReadModelAndVoice(t *testing.T) {
	voiceServer(t)
	now := time.Now().UTC().Truncate(time.Second)
	stale, soon := now.Add(48*time.Hour), now.Add(24*time.Hour)
	for _, tc := range []struct {
		name   string
		second order.ShipmentStatus
		want   *time.Time
	}{
		{"delivered and returned", order.ShipmentReturnedToSender, nil},
		{"delivered and in transit", order.ShipmentInTransit, &stale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := uniqueID("eta")
			v := order.View{
				OrderID: id, Status: order.StatusInTransit, CreatedAt: now.Add(-96 * time.Hour), UpdatedAt: now,
				Customer: order.Customer{Name: "Ona", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
				Shipments: []order.ShipmentView{
					{ShipmentID: "S1", Carrier: "DPD", TrackingNumber: "A1" + id, Status: order.ShipmentDelivered,
						EstimatedDelivery: &soon, DeliveredAt: &now, ShippedAt: now.Add(-72 * time.Hour)},
					{ShipmentID: "S2", Carrier: "DPD", TrackingNumber: "A2" + id, Status: tc.second,
						EstimatedDelivery: &stale, ShippedAt: now.Add(-72 * time.Hour)},
				},
			}
			if _, err := db.SaveOrder(context.Background(), testenv.DB(t), db.Snapshot{Revision: 1, View: v}); err != nil {
				t.Fatal(err)
			}
			var column *time.Time
			if err := testenv.DB(t).QueryRow(context.Background(), `SELECT estimated_delivery FROM orders WHERE order_id = $1`, id).Scan(&column); err != nil {
				t.Fatal(err)
			}
			a := poskaiCall(t, voiceToken, "", "call-"+id, "lookup_shipment_status", map[string]any{"order_number": id, "caller_phone": "+37060000000"})
			if a.Status != "success" {
				t.Fatalf("voice lookup: %+v", a)
			}
			var told *time.Time
			if s, ok := a.Data["eta_at"].(string); ok && s != "" {
				at, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatalf("eta_at %q: %v", s, err)
				}
				told = &at
			}
			same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
			if !same(column, tc.want) || !same(told, tc.want) {
				t.Errorf("read model ETA %v, voice told %v (%v), want both %v", column, told, a.Data["eta"], tc.want)
			}
		})
	}
}
