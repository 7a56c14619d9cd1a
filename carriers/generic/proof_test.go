package generic_test

import (
	"strings"
	"testing"

	"github.com/shipflow/shipflow/carriers/generic"
	"github.com/shipflow/shipflow/internal/fixture"
	"github.com/shipflow/shipflow/order"
)

func TestProofOfDelivery(t *testing.T) {
	e := parse(t, fixture.Load(t, "delivered_proof.json"))
	want := order.Proof{SignedBy: "Ona Petraitė", Location: "Parcel locker, Savanorių pr. 206", Place: order.PlaceLocker,
		PhotoURL: "https://pod.dpd.example/photos/05212345678901.jpg"}
	if e.Proof == nil || *e.Proof != want {
		t.Errorf("proof %+v, want %+v", e.Proof, want)
	}
}

// Each field of data.proof is held to its limits, and the error names it by its path.
func TestProofRefused(t *testing.T) {
	for field, set := range map[string]func(p map[string]any){
		"data.proof.photo_url": func(p map[string]any) { p["photo_url"] = "http://pod.example/1.jpg" },
		"data.proof.signed_by": func(p map[string]any) { p["signed_by"] = "Ona\u0000" },
		"data.proof.location":  func(p map[string]any) { p["location"] = strings.Repeat("x", order.MaxLineLen+1) },
		"data.proof":           func(p map[string]any) {},
	} {
		body := edit(t, "delivered_proof.json", func(_, data map[string]any) {
			set(data["proof"].(map[string]any))
			if field == "data.proof" {
				data["status"] = "in_transit"
			}
		})
		_, err := generic.ParseWebhook(body)
		if err == nil || !strings.HasPrefix(err.Error(), field+" ") {
			t.Errorf("%s: error %v", field, err)
		}
	}
}
