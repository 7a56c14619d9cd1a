package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// The order's refusals of a driver's delay report cross Temporal as typed application errors
// and come back as the order sentinels (issue 15, finding 3): the driver hears which one, in
// the customer's language (Lithuanian here), never the generic apology.

// projected waits until the read model, which the voice line reads, has the order at st.
func projected(t *testing.T, s *stack, id string, st order.Status) {
	t.Helper()
	var out map[string]any
	testenv.Eventually(t, 10*time.Second, func() bool {
		var code int
		code, out = s.admin(t, http.MethodGet, "/v1/orders/"+id)
		return code == http.StatusOK && out["status"] == string(st)
	}, "order %s never projected as %s: %v", id, st, testenv.Last(&out))
}

func wantRefusal(t *testing.T, a voiceAnswer, code, instructions string) {
	t.Helper()
	if a.Status != "error" || a.Data["code"] != code {
		t.Errorf("answer %s %v, want error %s: %s", a.Status, a.Data, code, a.AIInstructions)
	}
	if a.AIInstructions != instructions {
		t.Errorf("ai_instructions:\n got %s\nwant %s", a.AIInstructions, instructions)
	}
}

func TestVoiceDelayForDeliveredParcel(t *testing.T) {
	id, tracking := shippedOrder(t, "dlv")
	s := newStack(t)
	body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"carrier": "DPD", "tracking_number": tracking, "status": "delivered", "description": "left at the door",
		"occurred_at": time.Now().UTC().Format(time.RFC3339)}})
	s.mustAccept(t, "/webhooks/carriers/generic", signedCarrier(t, id+"-d", body), body)
	awaitOrder(t, id, "delivered", statusIs(order.StatusDelivered))
	projected(t, s, id, order.StatusDelivered)

	a := poskaiCall(t, driverToken, "", "call-dlv-"+id, "report_delay", map[string]any{"tracking_number": tracking, "reason": "traffic"})
	wantRefusal(t, a, "already_delivered",
		"Pasakykite vairuotojui, kad siunta "+tracking+" jau pažymėta kaip pristatyta, todėl vėlavimas neužregistruotas.")
	if v := awaitOrder(t, id, "delivered", statusIs(order.StatusDelivered)); v.Exception != nil {
		t.Errorf("a refused report opened an exception: %+v", v.Exception)
	}
}

func TestVoiceDelayForCancelledOrder(t *testing.T) {
	id, tracking := shippedOrder(t, "cnl")
	s := newStack(t)
	s.sendCommerce(t, id+"-x", "order.cancelled", map[string]any{"order_id": id, "reason": "customer changed their mind"})
	awaitOrder(t, id, "cancelled", statusIs(order.StatusCancelled))
	projected(t, s, id, order.StatusCancelled)

	a := poskaiCall(t, driverToken, "", "call-cnl-"+id, "report_delay", map[string]any{"tracking_number": tracking, "reason": "traffic"})
	wantRefusal(t, a, "shipment_closed",
		"Pasakykite vairuotojui, kad siuntos "+tracking+" užsakymas "+id+" atšauktas, todėl vėlavimas neužregistruotas.")
}

func TestVoiceDelayForUnknownParcelOfAnOrder(t *testing.T) {
	id, _ := shippedOrder(t, "unk")
	projected(t, newStack(t), id, order.StatusShipped)

	a := poskaiCall(t, driverToken, "", "call-unk-"+id, "report_delay", map[string]any{"order_number": id, "tracking_number": "NOPE123", "reason": "traffic"})
	wantRefusal(t, a, "unknown_shipment",
		"Pasakykite vairuotojui, kad užsakyme "+id+" siuntos su sekimo numeriu NOPE123 nėra, todėl vėlavimas neužregistruotas. "+
			"Paprašykite dar kartą padiktuoti sekimo numerį – po vieną simbolį.")
	if v := awaitOrder(t, id, "shipped", statusIs(order.StatusShipped)); v.Exception != nil {
		t.Errorf("a refused report opened an exception: %+v", v.Exception)
	}
}
