package order_test

import (
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestDueBy(t *testing.T) {
	day := time.Date(2026, 5, 8, 0, 0, 0, 0, time.UTC)
	timed := time.Date(2026, 5, 8, 14, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		promised *time.Time
		s        order.ShipmentView
		want     *time.Time
	}{
		{"neither", nil, order.ShipmentView{}, nil},
		{"an estimated day lasts to its end", nil, order.ShipmentView{EstimatedDelivery: &day}, ptr(day.AddDate(0, 0, 1))},
		{"an estimated time is due then", nil, order.ShipmentView{EstimatedDelivery: &timed}, &timed},
		{"the promise over the estimate", &day, order.ShipmentView{EstimatedDelivery: &timed}, ptr(day.AddDate(0, 0, 1))},
		{"a return parcel is due never", &day, order.ShipmentView{Return: true, EstimatedDelivery: &day}, nil},
	} {
		v := order.View{PromisedDelivery: tc.promised, Shipments: []order.ShipmentView{tc.s}}
		got := v.DueBy(tc.s)
		if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
			t.Errorf("%s: due by %v, want %v", tc.name, got, tc.want)
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }
