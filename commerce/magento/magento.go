// Package magento brings Magento 2 (Adobe Commerce, Magento Open Source) orders and shipments
// to shipflow as its commerce events. Magento has no webhooks in its open-source edition (the
// Adobe Commerce webhooks module is a paid, per-merchant install), so shipflow polls the REST
// API instead: GET /rest/V1/orders and GET /rest/V1/shipments, each an incremental read by
// updated_at behind a cursor kept in Postgres (Poller). Every order or shipment read becomes
// one inbox.Delivery, stored like a webhook delivery, so the relay applies it.
//
// Mapping (docs/reference/inbound.md, "Magento"): an order's state decides its events. new,
// holded and payment_review create the order; processing and complete also confirm it; closed
// (refunded in full) adds order.refund.processed; canceled cancels it; pending_payment is not
// an order yet (the customer is still at the payment provider) and is skipped. A shipment's
// tracks (carrier_code, title, track_number) become order.shipped, one shipment per track
// number. An order whose status is "delivered" (a status merchants add under the complete
// state; Magento itself has none) marks its shipments delivered.
//
// Dedupe: the delivery's id is the entity, its updated_at and its state ("order/12/
// 2026-05-07T10:31:00Z/processing"), so reading the same version twice (two pollers, a
// restart before the cursor was saved) stores it once; the events inside carry semantic ids
// ("magento/order/000000012/confirmed") that the order workflow dedupes across versions.
// Orders are known to shipflow by their increment_id, the number the customer sees.
package magento

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/order"
)

// Order states, as Magento names them in sales_order.state.
const (
	StateNew            = "new"
	StatePendingPayment = "pending_payment"
	StatePaymentReview  = "payment_review"
	StateProcessing     = "processing"
	StateComplete       = "complete"
	StateClosed         = "closed"
	StateCanceled       = "canceled"
	StateHolded         = "holded"
)

// StatusDelivered is the order status merchants (and several shipping extensions) add under
// the complete state to say the parcels arrived. Magento has no delivered state of its own.
const StatusDelivered = "delivered"

// customCarrier is the carrier_code of a track whose carrier the merchant typed into the
// title; the title then names the carrier.
const customCarrier = "custom"

// unknownCarrier names the carrier of a track that names none, as the other adapters do.
const unknownCarrier = "Other"

// Key is where an entity sits in the poll's order: its updated_at, then its entity_id. The
// cursor is a Key; a page is read strictly after it.
type Key struct {
	UpdatedAt time.Time `json:"updated_at"`
	ID        int64     `json:"id"`
}

// After reports whether k comes after c in the poll's order.
func (k Key) After(c Key) bool {
	return k.UpdatedAt.After(c.UpdatedAt) || (k.UpdatedAt.Equal(c.UpdatedAt) && k.ID > c.ID)
}

// timeLayout is how Magento writes and reads times: UTC, no zone, to the second.
const timeLayout = "2006-01-02 15:04:05"

// FormatTime writes t as Magento reads it in a filter.
func FormatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// keyed is the part of any entity that places it in the poll's order.
type keyed struct {
	EntityID  commerce.ID `json:"entity_id"`
	UpdatedAt string      `json:"updated_at"`
	CreatedAt string      `json:"created_at"`
}

// KeyOf reads an entity's Key, even from an entity that does not map: a page's broken entity
// must still move the cursor past it.
func KeyOf(raw json.RawMessage) (Key, error) {
	var k keyed
	if err := json.Unmarshal(raw, &k); err != nil {
		return Key{}, err
	}
	return k.key()
}

func (k keyed) key() (Key, error) {
	id, err := entityID("entity_id", k.EntityID)
	if err != nil {
		return Key{}, err
	}
	field, s := "updated_at", k.UpdatedAt
	if strings.TrimSpace(s) == "" { // an entity never updated has only its creation time
		field, s = "created_at", k.CreatedAt
	}
	at, err := commerce.ParseGMT(field, s)
	if err != nil {
		return Key{}, err
	}
	return Key{UpdatedAt: at.UTC().Truncate(time.Second), ID: id}, nil
}

// entityID reads a Magento entity id: a positive integer.
func entityID(field string, id commerce.ID) (int64, error) {
	s, err := commerce.RequireID(field, id)
	if err != nil {
		return 0, err
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 || fmt.Sprint(n) != s {
		return 0, commerce.Invalid(field, "must be a positive integer, got %s", order.Quote(s))
	}
	return n, nil
}

// eventID is the delivery id of one version of an entity: the inbox's dedupe key.
func eventID(kind string, k Key, state string) string {
	id := fmt.Sprintf("%s/%d/%s", kind, k.ID, k.UpdatedAt.Format(time.RFC3339))
	if state != "" {
		id += "/" + state
	}
	return id
}
