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

// TestRegistrationRequests checks that each stand-in takes a registration
// only as its provider documents it, and serves a parcel only once it is
// registered.
func TestRegistrationRequests(t *testing.T) {
	as := tracktest.New(t, tracktest.AfterShip)
	ep := tracktest.New(t, tracktest.EasyPost)
	se := tracktest.New(t, tracktest.ShipEngine)
	const tn = "05222267681234"
	for _, s := range []*tracktest.Server{as, ep, se} {
		s.SetCarrierEvents(tn, tracktest.Journey(time.Now())...)
	}
	asKey := http.Header{"As-Api-Key": {as.APIKey()}, "Content-Type": {"application/json"}}
	seKey := http.Header{"Api-Key": {se.APIKey()}}
	if _, body := call(t, "GET", as.URL()+"/tracking/2026-01/trackings?tracking_numbers="+tn, "", asKey); len(body["data"].(map[string]any)["trackings"].([]any)) != 0 {
		t.Error("AfterShip lists a parcel nobody registered")
	}
	for _, tc := range []struct {
		name        string
		method, url string
		body        string
		header      http.Header
		want        int
		metaCode    float64
	}{
		{"aftership wrapped body (before 2024-04)", "POST", as.URL() + "/tracking/2026-01/trackings", `{"tracking":{"tracking_number":"` + tn + `"}}`, asKey, 400, 4007},
		{"aftership bad json", "POST", as.URL() + "/tracking/2026-01/trackings", `{`, asKey, 400, 4001},
		{"aftership no key", "POST", as.URL() + "/tracking/2026-01/trackings", `{"tracking_number":"` + tn + `","slug":"dpd"}`, nil, 401, 401},
		{"aftership detect", "POST", as.URL() + "/tracking/2026-01/couriers/detect", `{"tracking_number":"` + tn + `"}`, asKey, 200, 200},
		{"aftership create", "POST", as.URL() + "/tracking/2026-01/trackings", `{"tracking_number":"` + tn + `","slug":"dpd"}`, asKey, 201, 201},
		{"aftership create again", "POST", as.URL() + "/tracking/2026-01/trackings", `{"tracking_number":"` + tn + `","slug":"dpd"}`, asKey, 400, 4003},
		{"aftership delete", "DELETE", as.URL() + "/tracking/2026-01/trackings", "", asKey, 405, 405},
		{"shipengine start by GET", "GET", se.URL() + "/v1/tracking/start?carrier_code=dpd&tracking_number=" + tn, "", seKey, 405, 0},
		{"shipengine start without carrier", "POST", se.URL() + "/v1/tracking/start?tracking_number=" + tn, "", seKey, 400, 0},
		{"easypost tracker without code", "POST", ep.URL() + "/v2/trackers", `{"tracker":{"carrier":"DPD"}}`, http.Header{"Authorization": {"Basic " + basicKey(ep.APIKey())}}, 422, 0},
	} {
		got, body := call(t, tc.method, tc.url, tc.body, tc.header)
		if got != tc.want {
			t.Errorf("%s: HTTP %d, want %d: %v", tc.name, got, tc.want, body)
		}
		if tc.metaCode != 0 {
			if meta, _ := body["meta"].(map[string]any); meta["code"] != tc.metaCode {
				t.Errorf("%s: meta %v, want code %v", tc.name, body["meta"], tc.metaCode)
			}
		}
	}
	if _, ok := as.Registered(tn); !ok || as.Webhook(tn) == nil {
		t.Error("AfterShip did not register the parcel it created")
	}
	if _, body := call(t, "GET", as.URL()+"/tracking/2026-01/trackings?tracking_numbers="+tn, "", asKey); len(body["data"].(map[string]any)["trackings"].([]any)) != 1 {
		t.Error("AfterShip does not list the parcel it created")
	}
	// ShipEngine answers 204 with no body; call wants JSON, so this goes by hand.
	req, _ := http.NewRequest("POST", se.URL()+"/v1/tracking/start?carrier_code=dpd&tracking_number="+tn, nil)
	req.Header = seKey
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("shipengine start: HTTP %d, want 204", resp.StatusCode)
	}
	if carrier, ok := se.Registered(tn); !ok || carrier != "dpd" || se.Webhook(tn) == nil {
		t.Errorf("ShipEngine registration %q %v; want dpd, pushed", carrier, ok)
	}
}

func basicKey(user string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, "")
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
