package notify_test

import (
	"slices"
	"testing"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/template"
)

// The Cloud API's template parameters are Twilio's content variables in their order, as many
// as the template takes.
func TestCloudParameters(t *testing.T) {
	d := template.Data{FirstName: "Ona", OrderNumber: "1001", TrackingURL: "https://t.example/x",
		Shipment: template.Shipment{Carrier: "DPD"}}
	for n, want := range map[int][]string{
		4: {"Ona", "1001", "DPD", "https://t.example/x"}, 2: {"Ona", "1001"}, 0: {}, 9: {"Ona", "1001", "DPD", "https://t.example/x"}, -1: {},
	} {
		if got := notify.CloudParameters(d, n); !slices.Equal(got, want) {
			t.Errorf("CloudParameters(%d) = %q, want %q", n, got, want)
		}
	}
}
