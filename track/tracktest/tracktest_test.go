package tracktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/track/tracktest"
)

// call sends one request to a stand-in and returns the status and the
// decoded body.
func call(t *testing.T, method, url, body string, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body %s is not a JSON object: %v", method, url, b, err)
	}
	return resp.StatusCode, m
}

// TestAuth checks that each stand-in accepts its key only the way its
// provider takes it.
func TestAuth(t *testing.T) {
	as := tracktest.New(t, tracktest.AfterShip)
	ep := tracktest.New(t, tracktest.EasyPost)
	se := tracktest.New(t, tracktest.ShipEngine)
	const tn = "05222267681234"
	for _, s := range []*tracktest.Server{as, ep, se} {
		s.SetEvents(tn, tracktest.Journey(time.Now())...)
	}
	asURL := as.URL() + "/tracking/2026-01/trackings?tracking_numbers=" + tn
	seURL := se.URL() + "/v1/tracking?carrier_code=dpd&tracking_number=" + tn
	epBody := `{"tracker":{"tracking_code":"` + tn + `","carrier":"DPD"}}`
	basic := func(user, pass string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header
	}
	for _, tc := range []struct {
		name        string
		method, url string
		body        string
		header      http.Header
		want        int
	}{
		{"aftership key", "GET", asURL, "", http.Header{"As-Api-Key": {as.APIKey()}}, 200},
		{"aftership legacy header", "GET", asURL, "", http.Header{"Aftership-Api-Key": {as.APIKey()}}, 401},
		{"aftership no key", "GET", asURL, "", nil, 401},
		{"aftership other version", "GET", as.URL() + "/tracking/2023-10/trackings", "", http.Header{"As-Api-Key": {as.APIKey()}}, 404},
		{"easypost basic user", "POST", ep.URL() + "/v2/trackers", epBody, basic(ep.APIKey(), ""), 201},
		{"easypost wrong user", "POST", ep.URL() + "/v2/trackers", epBody, basic("nope", ep.APIKey()), 401},
		{"easypost bearer", "POST", ep.URL() + "/v2/trackers", epBody, http.Header{"Authorization": {"Bearer " + ep.APIKey()}}, 401},
		{"easypost GET", "GET", ep.URL() + "/v2/trackers", "", basic(ep.APIKey(), ""), 405},
		{"shipengine key", "GET", seURL, "", http.Header{"Api-Key": {se.APIKey()}}, 200},
		{"shipengine bearer", "GET", seURL, "", http.Header{"Authorization": {"Bearer " + se.APIKey()}}, 401},
		{"shipengine no carrier", "GET", se.URL() + "/v1/tracking?tracking_number=" + tn, "", http.Header{"Api-Key": {se.APIKey()}}, 400},
	} {
		if got, body := call(t, tc.method, tc.url, tc.body, tc.header); got != tc.want {
			t.Errorf("%s: HTTP %d, want %d: %v", tc.name, got, tc.want, body)
		}
	}
	if got := as.Requests(tn) + ep.Requests(tn) + se.Requests(tn); got != 9 {
		t.Errorf("%d requests counted for %s, want 9", got, tn)
	}
}

// TestNotFound checks each provider's answer for a number it does not know.
func TestNotFound(t *testing.T) {
	as := tracktest.New(t, tracktest.AfterShip)
	status, body := call(t, "GET", as.URL()+"/tracking/2026-01/trackings?tracking_numbers=NOPE", "", http.Header{"As-Api-Key": {as.APIKey()}})
	if trackings := body["data"].(map[string]any)["trackings"].([]any); status != 200 || len(trackings) != 0 {
		t.Errorf("aftership: HTTP %d, %d trackings; want 200 and none", status, len(trackings))
	}
	se := tracktest.New(t, tracktest.ShipEngine)
	status, body = call(t, "GET", se.URL()+"/v1/tracking?carrier_code=dpd&tracking_number=NOPE", "", http.Header{"Api-Key": {se.APIKey()}})
	if status != 404 || body["request_id"] == nil || body["errors"] == nil {
		t.Errorf("shipengine: HTTP %d %v; want 404 with request_id and errors", status, body)
	}
	if as.TrackingObject("NOPE", "dpd") != nil {
		t.Error("TrackingObject of an unknown number is not nil")
	}
}
