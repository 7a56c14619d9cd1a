package magentotest

import (
	"fmt"
	"time"
)

// Order builds an order as GET /V1/orders lists it, in the given state (processing, complete,
// ...), with one line, a billing address in Lithuania with a national telephone, and a
// shipping assignment. Edit the map for other cases.
func Order(id int64, number, state string, created time.Time) map[string]any {
	addr := func() map[string]any {
		return map[string]any{
			"address_type": "billing", "firstname": "Ona", "lastname": "Petraitė",
			"street": []any{"Gedimino pr. 1", "Apt 2"}, "city": "Vilnius", "region": "Vilniaus apskritis",
			"postcode": "01103", "country_id": "LT", "telephone": "8 600 00000", "email": "ona@example.com",
		}
	}
	shipping := addr()
	shipping["address_type"] = "shipping"
	return map[string]any{
		"entity_id": id, "increment_id": number, "state": state, "status": state,
		"created_at": Time(created), "updated_at": Time(created),
		"customer_email": "ona@example.com", "customer_firstname": "Ona", "customer_lastname": "Petraitė",
		"customer_is_guest": 0, "order_currency_code": "EUR", "grand_total": 42.5, "total_refunded": nil,
		"billing_address": addr(),
		"items":           []any{map[string]any{"item_id": id * 10, "sku": "MUG-1", "name": "Mug", "qty_ordered": 2, "product_type": "simple"}},
		"extension_attributes": map[string]any{"shipping_assignments": []any{map[string]any{
			"shipping": map[string]any{"address": shipping, "method": "flatrate_flatrate"},
		}}},
	}
}

// Track is one tracking number of a shipment.
type Track struct {
	ID                  int64
	Carrier, Title, Num string
}

// Shipment builds a shipment of order orderID as GET /V1/shipments lists it.
func Shipment(id int64, number string, orderID int64, created time.Time, tracks ...Track) map[string]any {
	ts := []any{}
	for _, t := range tracks {
		ts = append(ts, map[string]any{
			"entity_id": t.ID, "parent_id": id, "order_id": orderID, "carrier_code": t.Carrier, "title": t.Title,
			"track_number": t.Num, "created_at": Time(created), "updated_at": Time(created),
		})
	}
	return map[string]any{
		"entity_id": id, "increment_id": number, "order_id": orderID,
		"created_at": Time(created), "updated_at": Time(created), "total_qty": 2,
		"items":  []any{map[string]any{"entity_id": id * 10, "order_item_id": orderID * 10, "sku": "MUG-1", "name": "Mug", "qty": 2}},
		"tracks": ts, "comments": []any{}, "packages": []any{},
	}
}

// Number is the increment_id Magento gives the nth entity of a store: nine digits.
func Number(n int64) string { return fmt.Sprintf("%09d", n) }
