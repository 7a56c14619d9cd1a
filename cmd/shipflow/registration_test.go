package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/track/tracktest"
)

// Webhook secrets of the registration stacks (AfterShip and EasyPost sign with a shared
// secret; ShipEngine with an RSA key published as a JWKS, served by the test).
const (
	registerAfterShipSecret = "aftership-whole-path-webhook-secret"
	registerEasyPostSecret  = "easypost-whole-path-webhook-secret"
	registerShipEngineKeyID = "whole-path-key-1"
)

// pushProvider is one tracking provider as a deployment with only its key configured has it:
// the settings pointing shipflow at the stand-in, and how the provider signs its pushes.
type pushProvider struct {
	name     tracktest.Provider
	settings func(standIn *tracktest.Server) map[string]string
	sign     func(t *testing.T, body []byte) http.Header
}

// TestRegisteredParcelWholePath is issue 19's first done-when on the deployed path: serve and
// worker on Postgres and Temporal, configured with one tracking provider's key and URL (its
// stand-in) and nothing else. An order shipped through the commerce webhook gets its parcel
// registered with the provider, as the stand-in sees it; the provider's signed push then
// arrives at /webhooks/carriers/<provider> and delivers the order, with no exception raised.
// The 48-hour stale window itself is not waited out here; the time-skipping workflow test
// (workflows, TestRegisteredParcelIsTrackedWithEachProvider) does that.
func TestRegisteredParcelWholePath(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(jwksHandler(registerShipEngineKeyID, &key.PublicKey))
	t.Cleanup(jwks.Close)
	hmacHeader := func(name string, sign func(string, []byte) string, secret string) func(*testing.T, []byte) http.Header {
		return func(_ *testing.T, body []byte) http.Header {
			h := http.Header{}
			h.Set(name, sign(secret, body))
			return h
		}
	}
	for _, p := range []pushProvider{
		{tracktest.AfterShip, func(s *tracktest.Server) map[string]string {
			return map[string]string{"AFTERSHIP_API_KEY": s.APIKey(), "AFTERSHIP_API_URL": s.URL(), "AFTERSHIP_WEBHOOK_SECRET": registerAfterShipSecret}
		}, hmacHeader("aftership-hmac-sha256", signature.SignHMACBase64, registerAfterShipSecret)},
		{tracktest.EasyPost, func(s *tracktest.Server) map[string]string {
			return map[string]string{"EASYPOST_API_KEY": s.APIKey(), "EASYPOST_API_URL": s.URL(), "EASYPOST_WEBHOOK_SECRET": registerEasyPostSecret}
		}, hmacHeader("X-Hmac-Signature", signature.SignEasyPost, registerEasyPostSecret)},
		{tracktest.ShipEngine, func(s *tracktest.Server) map[string]string {
			return map[string]string{"SHIPENGINE_API_KEY": s.APIKey(), "SHIPENGINE_API_URL": s.URL(), "SHIPENGINE_WEBHOOK_KEYS_URL": jwks.URL}
		}, func(t *testing.T, body []byte) http.Header { return shipEngineSigned(t, key, body) }},
	} {
		t.Run(string(p.name), func(t *testing.T) {
			standIn := tracktest.New(t, p.name)
			s := startStack(t, p.settings(standIn))
			id := fmt.Sprintf("register-%s-%d", p.name, time.Now().UnixNano())
			tn := fmt.Sprintf("1Z%016d", time.Now().UnixNano()%1e16)
			route := tracktest.Journey(time.Now().Add(-25 * time.Hour)) // out for delivery an hour ago
			standIn.SetCarrierEvents(tn, route...)

			s.confirm(id, map[string]any{"name": "Ona", "email": "ona@example.com", "locale": "en", "time_zone": "UTC"}, "email")
			s.commerce(id, "order.shipped", map[string]any{"shipment": map[string]any{
				"shipment_id": "S1", "carrier": "UPS", "tracking_number": tn, "items": []string{"SKU-1"},
			}})
			s.awaitShipment(id, "registered with "+string(p.name), func(sh map[string]any) bool {
				r, _ := sh["registration"].(map[string]any)
				return r["status"] == string(order.RegistrationRegistered) && r["provider"] == string(p.name)
			})
			if code, ok := standIn.Registered(tn); !ok || code == "" {
				t.Fatalf("the %s stand-in has no tracking for %s", p.name, tn)
			}
			if d := standIn.ShipDate(tn); p.name == tracktest.AfterShip && len(d) != len("20060102") {
				t.Errorf("AfterShip was given ship date %q, want the order.shipped day as YYYYMMDD", d)
			}

			// The first poll, which registration unblocked, reads the route so far; the next is
			// SHIPFLOW_POLL_INTERVAL (30m) away, so the delivery can only come from the push.
			s.awaitShipment(id, "out for delivery", func(sh map[string]any) bool { return sh["status"] == string(order.ShipmentOutForDelivery) })

			// The carrier delivers; the provider pushes what it now knows.
			standIn.SetCarrierEvents(tn, append(route, tracktest.Checkpoint{
				At: time.Now().Add(-5 * time.Minute).UTC().Truncate(time.Second), Status: order.ShipmentDelivered,
				Description: "Delivered", Location: order.Location{City: "Vilnius", Country: "LT"},
			})...)
			body := standIn.Webhook(tn)
			if body == nil {
				t.Fatal("the stand-in pushes nothing for the registered parcel")
			}
			s.push("/webhooks/carriers/"+string(p.name), p.sign(t, body), body)

			v := s.awaitShipment(id, "delivered", func(sh map[string]any) bool { return sh["status"] == string(order.ShipmentDelivered) })
			if v["status"] != string(order.StatusDelivered) || v["exception"] != nil {
				t.Errorf("order %s, exception %v; want delivered with none", v["status"], v["exception"])
			}
			entries, _ := v["timeline"].([]any)
			for _, x := range entries {
				if e, _ := x.(map[string]any); e["type"] == order.EntryExceptionRaised {
					t.Errorf("an exception was raised: %v", e)
				}
			}
		})
	}
}

// awaitShipment waits until order id's first shipment in the API's view satisfies ok, and
// returns the view.
func (s *stack) awaitShipment(id, what string, ok func(map[string]any) bool) map[string]any {
	s.t.Helper()
	var v map[string]any
	last := "no view"
	testenv.Eventually(s.t, 30*time.Second, func() bool {
		v = s.view(id)
		shipments, _ := v["shipments"].([]any)
		if len(shipments) == 0 {
			last = fmt.Sprint(v["status"], ", no shipment")
			return false
		}
		sh, _ := shipments[0].(map[string]any)
		last = fmt.Sprint(sh)
		return ok(sh)
	}, "order %s's shipment was never %s; last: %s", id, what, testenv.Last(&last))
	return v
}

// push posts a provider's signed webhook, which shipflow must accept.
func (s *stack) push(path string, h http.Header, body []byte) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var answer map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&answer)
		s.t.Fatalf("POST %s: %d %v", path, resp.StatusCode, answer)
	}
}

// shipEngineSigned signs body as ShipEngine does: RSA-SHA256 over "<timestamp>.<body>", the key
// named by its id.
func shipEngineSigned(t *testing.T, key *rsa.PrivateKey, body []byte) http.Header {
	t.Helper()
	ts := time.Now().UTC().Format(time.RFC3339)
	sum := sha256.Sum256([]byte(ts + "." + string(body)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("x-shipengine-rsa-sha256-key-id", registerShipEngineKeyID)
	h.Set("x-shipengine-rsa-sha256-signature", base64.StdEncoding.EncodeToString(sig))
	h.Set("x-shipengine-timestamp", ts)
	return h
}

// jwksHandler publishes pub as ShipEngine publishes its webhook keys: a JWKS.
func jwksHandler(kid string, pub *rsa.PublicKey) http.HandlerFunc {
	b64 := base64.RawURLEncoding.EncodeToString
	keys := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(keys)
	}
}
