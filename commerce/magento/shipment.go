package magento

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// mageShipment is the part of Magento's shipment (Magento\Sales\Api\Data\ShipmentInterface,
// as GET /V1/shipments lists it) that shipflow reads.
type mageShipment struct {
	keyed
	IncrementID commerce.ID    `json:"increment_id"`
	OrderID     commerce.ID    `json:"order_id"`
	Items       []shipmentItem `json:"items"`
	Tracks      []track        `json:"tracks"`
}

type shipmentItem struct {
	SKU string  `json:"sku"`
	Qty decimal `json:"qty"`
}

// track is one tracking number of a shipment. carrier_code is Magento's carrier ("ups",
// "fedex", "usps", "dhl") or "custom", whose carrier only the title names.
type track struct {
	EntityID    commerce.ID `json:"entity_id"`
	CarrierCode string      `json:"carrier_code"`
	Title       string      `json:"title"`
	TrackNumber string      `json:"track_number"`
}

// Shipment is one shipment read from Magento, mapped.
type Shipment struct {
	Key      Key
	Delivery inbox.Delivery
}

// ShipmentOrder reads the entity id of the order a shipment belongs to: the poller looks the
// orders of a page up at once, as a shipment names its order only by entity id and shipflow
// knows orders by their increment_id.
func ShipmentOrder(raw json.RawMessage) (int64, error) {
	var s mageShipment
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("magento shipment: %w", err)
	}
	return entityID("order_id", s.OrderID)
}

// ParseShipment maps one shipment of a GET /V1/shipments page to order.shipped, one event per
// track number, for the order whose increment_id is number.
//
// Errors as ParseOrder's; inbox.ErrIgnored for a shipment without a track number yet (the
// merchant adds it later, which updates the shipment, and the poll reads it again).
func ParseShipment(raw json.RawMessage, number string) (Shipment, error) {
	var s mageShipment
	if err := json.Unmarshal(raw, &s); err != nil {
		return Shipment{}, fmt.Errorf("magento shipment: %w", err)
	}
	out, err := s.mapped(number)
	if err != nil {
		return Shipment{}, fmt.Errorf("magento shipment %s: %w", s.EntityID, err)
	}
	return out, nil
}

func (s mageShipment) mapped(number string) (Shipment, error) {
	k, err := s.key()
	if err != nil {
		return Shipment{}, err
	}
	if err := order.CheckKey("order increment_id", number, order.MaxOrderIDLen); err != nil {
		return Shipment{}, err
	}
	shipped, err := commerce.ParseGMT("created_at", first(s.CreatedAt, s.UpdatedAt))
	if err != nil {
		return Shipment{}, err
	}
	tracks, err := s.tracks()
	if err != nil {
		return Shipment{}, err
	}
	if len(tracks) == 0 {
		return Shipment{}, fmt.Errorf("shipment %d has no track number yet: %w", k.ID, inbox.ErrIgnored)
	}
	skus := s.skus()
	var events []order.CommerceEvent
	for _, t := range tracks {
		events = append(events, order.CommerceEvent{
			ID:        "magento/shipment/" + t.shipment + "/shipped/" + order.TrackingKey(t.number),
			Type:      order.EventShipped,
			Timestamp: shipped,
			OrderID:   number,
			Shipment:  &order.ShipmentInfo{ID: t.shipment, Carrier: t.carrier, TrackingNumber: t.number, Items: skus},
		})
	}
	d, err := inbox.Checked(inbox.Delivery{Source: inbox.SourceMagento, EventID: eventID("shipment", k, ""), Commerce: events})
	if err != nil {
		return Shipment{}, err
	}
	return Shipment{Key: k, Delivery: d}, nil
}

// shipmentTrack is a track as shipflow keeps it: the shipment it stands for, its carrier and
// number.
type shipmentTrack struct {
	shipment, carrier, number string
}

// tracks lists the shipment's tracks, each number once, oldest track first. Magento lets a
// shipment carry several parcels; each is a shipment to shipflow. The first keeps the
// shipment's increment_id as its id and a later one adds its number, so that a track added
// later does not rename the parcels already known.
func (s mageShipment) tracks() ([]shipmentTrack, error) {
	inc, err := commerce.RequireID("increment_id", s.IncrementID)
	if err != nil {
		return nil, err
	}
	type numbered struct {
		id int64
		t  track
	}
	var ts []numbered
	for i, t := range s.Tracks {
		var id int64
		if t.EntityID != "" {
			if id, err = entityID(fmt.Sprintf("tracks[%d].entity_id", i), t.EntityID); err != nil {
				return nil, err
			}
		}
		ts = append(ts, numbered{id, t})
	}
	slices.SortStableFunc(ts, func(a, b numbered) int { return cmp.Compare(a.id, b.id) })
	var out []shipmentTrack
	for _, n := range ts {
		tn := strings.TrimSpace(n.t.TrackNumber)
		if tn == "" || slices.ContainsFunc(out, func(o shipmentTrack) bool { return order.TrackingKey(o.number) == order.TrackingKey(tn) }) {
			continue
		}
		id := inc
		if len(out) > 0 {
			id = inc + "-" + order.TrackingKey(tn)
		}
		out = append(out, shipmentTrack{shipment: id, carrier: carrierOf(n.t), number: tn})
	}
	return out, nil
}

// carrierOf names a track's carrier for the carrier table: Magento's code for its own
// carriers, the merchant's title for a custom one.
func carrierOf(t track) string {
	code := strings.TrimSpace(t.CarrierCode)
	if code == "" || strings.EqualFold(code, customCarrier) {
		return first(strings.TrimSpace(t.Title), unknownCarrier)
	}
	return code
}

// skus lists the shipped lines' SKUs, each once.
func (s mageShipment) skus() []string {
	var skus []string
	for _, it := range s.Items {
		sku := strings.TrimSpace(it.SKU)
		if sku != "" && !slices.Contains(skus, sku) {
			skus = append(skus, sku)
		}
	}
	return skus
}

// DeliveredEvents maps an order whose status says delivered to order.delivered for each
// parcel of its shipments (as GET /V1/shipments lists them for the order), in a delivery of
// its own, keyed like the order's version.
func DeliveredEvents(o Order, shipments []json.RawMessage) (inbox.Delivery, error) {
	var events []order.CommerceEvent
	for _, raw := range shipments {
		var s mageShipment
		if err := json.Unmarshal(raw, &s); err != nil {
			return inbox.Delivery{}, fmt.Errorf("magento shipment: %w", err)
		}
		tracks, err := s.tracks()
		if err != nil {
			return inbox.Delivery{}, fmt.Errorf("magento shipment %s: %w", s.EntityID, err)
		}
		for _, t := range tracks {
			events = append(events, order.CommerceEvent{
				ID:         "magento/shipment/" + t.shipment + "/delivered",
				Type:       order.EventDelivered,
				Timestamp:  o.Key.UpdatedAt,
				OrderID:    o.Number,
				ShipmentID: t.shipment,
			})
		}
	}
	if len(events) == 0 {
		return inbox.Delivery{}, fmt.Errorf("order %s is delivered but has no tracked shipment: %w", o.Number, inbox.ErrIgnored)
	}
	return inbox.Checked(inbox.Delivery{Source: inbox.SourceMagento, EventID: eventID("order", o.Key, StatusDelivered), Commerce: events})
}
