package outbound_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// strictDecode decodes b into v refusing fields v does not have, and says whether encoding v
// again gives b back: the example is exactly what the real types encode.
func strictDecode(t *testing.T, what string, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not decode as a real event: %v\n%s", what, err, b)
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("%s encodes differently once decoded:\n%s\n%s", what, b, again)
	}
}

// The catalogue lists every order.PublishType, in order, each with a description and an
// example that decodes field for field into the types a real event is encoded from.
func TestCatalogueHasEveryTypeWithARealExample(t *testing.T) {
	cat := outbound.Catalogue()
	var names []string
	for _, et := range cat {
		names = append(names, et.Name)
	}
	var want []string
	for _, pt := range order.PublishTypes() {
		want = append(want, string(pt))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("catalogue lists %v, want order.PublishTypes() %v", names, want)
	}
	for _, et := range cat {
		t.Run(et.Name, func(t *testing.T) {
			if len(et.Description) < 10 {
				t.Errorf("description %q", et.Description)
			}
			if et.Example == nil {
				t.Fatalf("no example: the example orders never publish %s", et.Name)
			}
			ex := *et.Example
			if ex.Type != et.Name || ex.Metadata.Attempt != 1 || ex.Metadata.Test || ex.Timestamp.IsZero() {
				t.Errorf("example head %+v", ex.Metadata)
			}
			if ex.Metadata.EventID != outbound.EventID(ex.Metadata.OrderID, ex.Metadata.Sequence) {
				t.Errorf("event id %s is not EventID(%s, %d)", ex.Metadata.EventID, ex.Metadata.OrderID, ex.Metadata.Sequence)
			}
			raw, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			var body outbound.Body
			strictDecode(t, "the example body", raw, &body)
			var data order.EventData
			strictDecode(t, "the example's data", ex.Data, &data)
			if data.OrderID != ex.Metadata.OrderID {
				t.Errorf("data.order_id %s, metadata.order_id %s", data.OrderID, ex.Metadata.OrderID)
			}
			if strings.HasPrefix(et.Name, "shipment.") && ex.Metadata.ShipmentID == "" {
				t.Error("a shipment event without metadata.shipment_id")
			}
			switch order.PublishType(et.Name) {
			case order.PublishShipmentException:
				if data.Event == nil || data.Event.Exception == nil {
					t.Errorf("no data.event.exception: %s", ex.Data)
				}
			case order.PublishNotificationFailed:
				if data.Event == nil || data.Event.Notification == nil {
					t.Errorf("no data.event.notification: %s", ex.Data)
				}
			case order.PublishOrderDelivered:
				if data.Status != order.StatusDelivered {
					t.Errorf("order.delivered example in status %s", data.Status)
				}
			}
		})
	}
	// The same on every call: replicas and docs agree.
	a, _ := json.Marshal(cat)
	b, _ := json.Marshal(outbound.Catalogue())
	if !bytes.Equal(a, b) {
		t.Error("the catalogue changes between calls")
	}
}
