package shipengine_test

import (
	"net/http"
	"testing"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/carriers/shipengine"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func TestRegister(t *testing.T) {
	// ShipEngine tracks UPS; it has no carrier_code for DPD.
	ups, ok := carrier.Builtin().Lookup("UPS")
	if !ok {
		t.Fatal("UPS is not in the carrier table")
	}
	tracktest.TestRegistrar(t, tracktest.ShipEngine, ups, func(url, key string, hc *http.Client) track.Registrar {
		return shipengine.New(shipengine.Config{APIKey: key, URL: url}, hc)
	})
}
