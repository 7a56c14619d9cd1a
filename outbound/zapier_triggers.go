package outbound

import (
	"maps"
	"slices"

	"github.com/shipflow/shipflow/order"
)

// ZapierTrigger is one trigger of the shipflow Zapier integration: the key Zapier names it by
// (a trigger's Key in Zapier's Platform UI, the "event" of a subscription) and the shipflow
// event type it fires on.
type ZapierTrigger struct {
	Key  string            `json:"key"`
	Type order.PublishType `json:"event_type"`
	// Name is how the Zap editor shows it ("New Tracking Number").
	Name string `json:"name"`
}

// ZapierTriggers is the fixed table of triggers; docs/connectors.md lists the same. A
// subscription names one of these keys, nothing else.
var ZapierTriggers = []ZapierTrigger{
	{"order_created", order.PublishOrderCreated, "New Order"},
	{"order_confirmed", order.PublishOrderConfirmed, "Order Confirmed"},
	{"order_packed", order.PublishOrderPacked, "Order Packed"},
	{"tracking_number_added", order.PublishOrderShipped, "New Tracking Number"},
	{"shipment_updated", order.PublishShipmentUpdated, "Shipment Updated"},
	{"shipment_out_for_delivery", order.PublishShipmentOutForDelivery, "Shipment Out for Delivery"},
	{"shipment_exception", order.PublishShipmentException, "Shipment Exception"},
	{"shipment_delivered", order.PublishOrderDelivered, "Shipment Delivered"},
	{"order_cancelled", order.PublishOrderCancelled, "Order Cancelled"},
	{"return_initiated", order.PublishOrderReturnInitiated, "Return Started"},
	{"refund_processed", order.PublishOrderRefundProcessed, "Refund Processed"},
	{"notification_failed", order.PublishNotificationFailed, "Customer Message Failed"},
	{"callback_requested", order.PublishOrderHumanRequested, "Callback Requested"},
}

// zapierTriggerKeys finds a trigger by key, zapierTriggerTypes by event type.
var (
	zapierTriggerKeys  = map[string]ZapierTrigger{}
	zapierTriggerTypes = map[order.PublishType]ZapierTrigger{}
)

func init() {
	for _, t := range ZapierTriggers {
		zapierTriggerKeys[t.Key] = t
		zapierTriggerTypes[t.Type] = t
	}
}

// ZapierTriggerFor is the trigger of key k, or false for a key not in the table.
func ZapierTriggerFor(k string) (ZapierTrigger, bool) {
	t, ok := zapierTriggerKeys[k]
	return t, ok
}

// ZapierTriggerOf is the trigger key of event type t, or "" for a type no trigger fires on.
func ZapierTriggerOf(t string) string { return zapierTriggerTypes[order.PublishType(t)].Key }

// zapierTriggerNames lists every key, sorted, for an error message.
func zapierTriggerNames() []string { return slices.Sorted(maps.Keys(zapierTriggerKeys)) }
