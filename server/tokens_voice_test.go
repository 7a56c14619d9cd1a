package server_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tokens"
)

// A named token's driver scope marks a driver on /voice as the environment's driver tokens do:
// report_delay on a cancelled order's parcel is refused as a driver hears it, not answered
// as a stranger's not_found.
func TestNamedDriverToken(t *testing.T) {
	id, tracking := shippedOrder(t, "ntd")
	s := newStack(t)
	s.sendCommerce(t, id+"-x", "order.cancelled", map[string]any{"order_id": id, "reason": "customer changed their mind"})
	projected(t, s, id, order.StatusCancelled)
	ctx := access.WithActor(context.Background(), access.System("test"))
	_, driver, err := tokens.Create(ctx, testenv.DB(t), "driver-"+strings.ToLower(rand.Text()[:8]), []access.Scope{access.ScopeDriver})
	if err != nil {
		t.Fatal(err)
	}
	_, platform, err := tokens.Create(ctx, testenv.DB(t), "platform-"+strings.ToLower(rand.Text()[:8]), []access.Scope{access.ScopeVoice})
	if err != nil {
		t.Fatal(err)
	}
	a := poskaiCall(t, driver, "", "call-ntd-"+id, "report_delay", map[string]any{"tracking_number": tracking, "reason": "traffic"})
	if a.Status != "error" || a.Data["code"] != "shipment_closed" {
		t.Errorf("a named driver token: %+v, want the driver's shipment_closed", a)
	}
	if a := poskaiCall(t, platform, "", "call-ntp-"+id, "report_delay", map[string]any{"tracking_number": tracking, "reason": "traffic"}); a.Status != "not_found" {
		t.Errorf("a named voice token reporting a delay: %+v, want a stranger's not_found", a)
	}
}
