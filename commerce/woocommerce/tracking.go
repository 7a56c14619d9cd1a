package woocommerce

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/order"
)

// trackingMetaKey is the order meta key under which WooCommerce Shipment
// Tracking and Advanced Shipment Tracking keep an order's tracking numbers.
const trackingMetaKey = "_wc_shipment_tracking_items"

// unknownCarrier names the carrier of a tracking item that names none. The
// carrier only breaks ties between shipments sharing a tracking number, so
// an unnamed one must not cost the shipment.
const unknownCarrier = "Other"

type meta struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// trackingItem is one entry of the tracking plugins' meta value.
type trackingItem struct {
	TrackingProvider       string `json:"tracking_provider"`
	CustomTrackingProvider string `json:"custom_tracking_provider"`
	TrackingNumber         string `json:"tracking_number"`
}

// shipmentTracking is a tracking number and its carrier, one shipment.
type shipmentTracking struct {
	number, carrier string
}

// tracking lists the order's shipments from its tracking meta, each
// tracking number once, in the order the merchant added them.
func (o wooOrder) tracking() ([]shipmentTracking, error) {
	var out []shipmentTracking
	for i, m := range o.MetaData {
		if m.Key != trackingMetaKey {
			continue
		}
		items, err := trackingItems(m.Value)
		if err != nil {
			return nil, commerce.Invalid(fmt.Sprintf("meta_data[%d].value", i), "must be a list of tracking items: %v", err)
		}
		for _, it := range items {
			tn := strings.TrimSpace(it.TrackingNumber)
			if tn == "" || slices.ContainsFunc(out, func(s shipmentTracking) bool { return order.TrackingKey(s.number) == order.TrackingKey(tn) }) {
				continue
			}
			carrier := first(strings.TrimSpace(it.TrackingProvider), strings.TrimSpace(it.CustomTrackingProvider), unknownCarrier)
			out = append(out, shipmentTracking{number: tn, carrier: carrier})
		}
	}
	return out, nil
}

// trackingItems decodes the meta value. PHP arrays become JSON lists, or
// objects keyed "0", "1", ... once an item has been removed from the
// middle, so both are read, objects in key order.
func trackingItems(raw json.RawMessage) ([]trackingItem, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	if s[0] != '{' {
		var items []trackingItem
		err := json.Unmarshal(raw, &items)
		return items, err
	}
	var byKey map[string]trackingItem
	if err := json.Unmarshal(raw, &byKey); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	// Numeric keys first, by number; any others after, by text.
	slices.SortFunc(keys, func(a, b string) int {
		na, ea := strconv.Atoi(a)
		nb, eb := strconv.Atoi(b)
		switch {
		case ea == nil && eb == nil:
			return cmp.Or(cmp.Compare(na, nb), strings.Compare(a, b))
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		}
		return strings.Compare(a, b)
	})
	items := make([]trackingItem, 0, len(keys))
	for _, k := range keys {
		items = append(items, byKey[k])
	}
	return items, nil
}
