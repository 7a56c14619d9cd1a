package outbound

import (
	"context"
	"strings"
	"testing"
)

// A destination of a kind this build has no transport for fails its attempt, for staff to
// see, rather than being sent as something else.
func TestUnknownKindFails(t *testing.T) {
	s := &Sender{}
	res, _ := s.send(context.Background(), Outgoing{Endpoint: Endpoint{ID: "ep_1", Kind: "carrier-pigeon", Enabled: true}}, 1)
	if res.Outcome != Failed || !strings.Contains(res.Err, "carrier-pigeon") {
		t.Errorf("result %+v, want Failed naming the kind", res)
	}
	if s.transport(KindWebhook) == nil {
		t.Error("no transport for webhooks")
	}
}
