package easypost_test

import (
	"net/http"
	"testing"

	"github.com/shipflow/shipflow/carrier"
	"github.com/shipflow/shipflow/carriers/easypost"
	"github.com/shipflow/shipflow/track"
	"github.com/shipflow/shipflow/track/tracktest"
)

func TestRegister(t *testing.T) {
	dpd, ok := carrier.Builtin().Lookup("DPD")
	if !ok {
		t.Fatal("DPD is not in the carrier table")
	}
	tracktest.TestRegistrar(t, tracktest.EasyPost, dpd, func(url, key string, hc *http.Client) track.Registrar {
		return easypost.New(easypost.Config{APIKey: key, URL: url}, hc)
	})
}
