package relay

import (
	"context"

	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/workflows"
)

// MaxSignalBytes is maxSignalBytes, for the tests of package relay_test.
const MaxSignalBytes = maxSignalBytes

// Deliver sends events to orderID as a pass does once it has resolved a delivery, and returns
// the status and reason it comes to: the part of the relay that meets the engine.
func (r *Relay) Deliver(ctx context.Context, orderID string, events []workflows.Inbound) (inbox.Status, error) {
	o := r.deliver(ctx, []signal{{orderID, events}}, applied())
	return o.status, o.err
}
