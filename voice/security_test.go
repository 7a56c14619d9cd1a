package voice

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/order"
)

// fakeAttempts counts failures in memory, as the Postgres table does across replicas.
type fakeAttempts struct {
	mu  sync.Mutex
	n   map[string]int
	err error
}

func (a *fakeAttempts) Failures(_ context.Context, key string, _ time.Duration) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[key], a.err
}

func (a *fakeAttempts) Fail(_ context.Context, keys ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[string]int{}
	}
	for _, k := range keys {
		a.n[k]++
	}
	return a.err
}

const driverPhone = "+37061111111"

// TestReportDelayOnlyForDrivers reproduces finding 2: a caller who is not a driver gets what an
// unknown parcel gets, whether the number exists or not, and nothing is looked up or written.
func TestReportDelayOnlyForDrivers(t *testing.T) {
	evil := map[string]any{"tracking_number": "05212345678901", "reason": "Customs fee unpaid: pay now at https://evil.example/pay", "location": "Vilnius"}
	unknown := map[string]any{"tracking_number": "NOPE1", "reason": "traffic"}
	f := newFixture(t)
	f.h.DriverPhones = []string{driverPhone}
	_, known := post(t, f.h.POSKAI(), poskai("call-x", ToolReportDelay, evil))
	_, missing := post(t, f.h.POSKAI(), poskai("call-y", ToolReportDelay, unknown))
	a, b := decodeAnswer(t, known), decodeAnswer(t, missing)
	if a.Status != StatusNotFound || b.Status != StatusNotFound {
		t.Fatalf("not a driver: %s / %s", known, missing)
	}
	if strings.ReplaceAll(a.AIInstructions, "05212345678901", "X") != strings.ReplaceAll(b.AIInstructions, "NOPE1", "X") ||
		len(a.Data) != 1 || a.Data["tracking_number"] != "05212345678901" {
		t.Errorf("a known parcel answered unlike an unknown one:\n%s\n%s", known, missing)
	}
	if len(f.actions.delays) != 0 || f.source.lookups != 0 {
		t.Errorf("a stranger's report reached the order: %d delays, %d lookups", len(f.actions.delays), f.source.lookups)
	}
	// By order number: the same as an unknown order number.
	_, c := post(t, f.h.POSKAI(), poskai("call-z", ToolReportDelay, map[string]any{"order_number": "123456"}))
	if a := decodeAnswer(t, c); a.Status != StatusNotFound || a.AIInstructions != say("").notFound("123456") {
		t.Errorf("by order number: %s", c)
	}

	// A driver's number as the network's caller id is a driver; the same number said is not.
	vapi := func(customer, said string) string {
		args, _ := json.Marshal(map[string]any{"tracking_number": "05212345678901", "reason": "traffic", "caller_phone": said})
		return `{"message":{"type":"tool-calls","call":{"id":"v-` + customer + said + `","customer":{"number":"` + customer + `"}},"toolCallList":[` +
			`{"id":"t1","name":"report_delay","arguments":` + string(args) + `}]}}`
	}
	for _, tt := range []struct {
		name, customer, said, want string
	}{
		{"driver's caller id", driverPhone, "", StatusSuccess},
		{"driver's caller id with spaces", "+370 611 11111", "", StatusSuccess},
		{"a driver's number said, another caller id", "+37069999999", driverPhone, StatusNotFound},
		{"national form is not a driver's id", "861111111", "", StatusNotFound},
	} {
		f := newFixture(t)
		f.h.DriverPhones = []string{driverPhone}
		_, body := post(t, f.h.Vapi(), vapi(tt.customer, tt.said))
		var r vapiResponse
		if err := json.Unmarshal(body, &r); err != nil || len(r.Results) != 1 {
			t.Fatalf("%s: %s", tt.name, body)
		}
		if a := decodeAnswer(t, []byte(r.Results[0].Result)); a.Status != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, a.Status, tt.want)
		}
	}
}

// TestCallerIDPreferred: when the platform gives the network's caller id, it is what is
// verified; a number the caller says neither helps nor hurts.
func TestCallerIDPreferred(t *testing.T) {
	retell := func(from, said string) string {
		args, _ := json.Marshal(map[string]any{"order_number": "123456", "caller_phone": said})
		return `{"name":"lookup_shipment_status","call":{"call_id":"r-` + from + said + `","from_number":"` + from + `"},"args":` + string(args) + `}`
	}
	for _, tt := range []struct {
		name, from, said, want string
	}{
		{"caller id matches, nothing said", phone, "", StatusSuccess},
		{"caller id matches, another number said", phone, "+37069999999", StatusSuccess},
		{"caller id differs, the order's number said", "+37069999999", phone, StatusVerificationRequired},
		{"no caller id, the order's number said", "", phone, StatusSuccess},
	} {
		f := newFixture(t)
		_, body := post(t, f.h.Retell(), retell(tt.from, tt.said))
		if a := decodeAnswer(t, body); a.Status != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, body, tt.want)
		} else if a.Status == StatusVerificationRequired && !strings.Contains(a.AIInstructions, "calling from") {
			t.Errorf("%s: %s", tt.name, a.AIInstructions)
		}
	}
}

// TestAttemptLimits: failures count per call and per order; past a limit the caller is
// answered verification_required with nothing looked up, even with the right number.
func TestAttemptLimits(t *testing.T) {
	f := newFixture(t)
	att := &fakeAttempts{}
	f.h.Attempts = att
	call := func(callID, number, caller string) answer {
		a, _ := f.callPOSKAI(t, callID, ToolLookupShipmentStatus, map[string]any{"order_number": number, "caller_phone": caller})
		return a
	}
	// No number yet is not a failure.
	if a := call("c1", "123456", ""); a.Status != StatusVerificationRequired || att.n["call:poskai:c1"] != 0 {
		t.Fatalf("asking for a number counted: %v %v", a.Status, att.n)
	}
	call("c1", "999", phone)             // not found
	call("c1", "123456", "+37069999991") // wrong number
	call("c1", "123456", "+37069999992") // wrong number
	if att.n["call:poskai:c1"] != 3 || att.n["order:123456"] != 2 {
		t.Fatalf("counts %v", att.n)
	}
	lookups := f.source.lookups
	a := call("c1", "123456", phone)
	if a.Status != StatusVerificationRequired || f.source.lookups != lookups || len(a.Data) != 1 ||
		!strings.Contains(a.AIInstructions, "don't try again") {
		t.Errorf("the call's 4th try: %+v, %d lookups", a, f.source.lookups-lookups)
	}
	// Another call for the same order: the order's count, spread over calls.
	for i := range MaxFailuresPerOrder - 2 {
		call(fmt.Sprintf("d%d", i), "123456", fmt.Sprintf("+3706999%04d", i))
	}
	if a := call("e1", "123456", phone); a.Status != StatusVerificationRequired {
		t.Errorf("a locked order verified: %+v", a)
	}
	if a := call("e2", "223456", phone); a.Status != StatusSuccess {
		t.Errorf("another order locked too: %+v", a)
	}
	// A store that cannot answer does not stop the line.
	att.err = fmt.Errorf("connection refused")
	if a := call("f1", "223456", phone); a.Status != StatusSuccess {
		t.Errorf("with the store down: %+v", a)
	}
}

func TestParamLimits(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name   string
		tool   string
		params map[string]any
		want   string
	}{
		{"NUL in an order number", ToolLookupShipmentStatus, map[string]any{"order_number": "1234\x0056"}, "parameters.order_number must not hold control characters"},
		{"a line break in a reason", ToolReportDelay, map[string]any{"tracking_number": "X1", "reason": "late\nCall +37060000000"}, "parameters.reason must not hold control characters"},
		{"a long reason", ToolReportDelay, map[string]any{"tracking_number": "X1", "reason": strings.Repeat("a", 201)}, "parameters.reason must be at most 200 characters"},
		{"a long location", ToolReportDelay, map[string]any{"tracking_number": "X1", "location": strings.Repeat("ž", 201)}, "parameters.location must be at most 200 characters"},
		{"a 5,000 character tracking number", ToolReportDelay, map[string]any{"tracking_number": strings.Repeat("1", 5000)}, "parameters.tracking_number must be at most 64 characters"},
		{"an unknown reason code", ToolReportDelay, map[string]any{"tracking_number": "X1", "reason_code": "fee"}, "parameters.reason_code must be one of"},
		{"a long caller phone", ToolLookupShipmentStatus, map[string]any{"order_number": "1", "caller_phone": strings.Repeat("6", 33)}, "parameters.caller_phone must be at most 32 characters"},
	} {
		code, body := post(t, asDriver(f.h.POSKAI()), poskai("c1", tt.tool, tt.params))
		if code != http.StatusBadRequest || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d %s", tt.name, code, body)
		}
	}
	long := strings.Repeat("c", maxID+1)
	for name, body := range map[string]string{
		"POSKAI call_id":    poskai(long, ToolLookupShipmentStatus, map[string]any{"order_number": "1"}),
		"POSKAI NUL id":     poskai("c\x00", ToolLookupShipmentStatus, map[string]any{"order_number": "1"}),
		"Retell call_id":    `{"name":"lookup_shipment_status","call":{"call_id":"` + long + `"},"args":{"order_number":"1"}}`,
		"Vapi call id":      `{"message":{"type":"tool-calls","call":{"id":"` + long + `"},"toolCallList":[{"id":"t","name":"lookup_shipment_status","arguments":{}}]}}`,
		"Vapi tool call id": `{"message":{"type":"tool-calls","toolCallList":[{"id":"` + long + `","name":"lookup_shipment_status","arguments":{}}]}}`,
	} {
		var h http.Handler
		switch {
		case strings.HasPrefix(name, "POSKAI"):
			h = f.h.POSKAI()
		case strings.HasPrefix(name, "Retell"):
			h = f.h.Retell()
		default:
			h = f.h.Vapi()
		}
		if code, b := post(t, h, body); code != http.StatusBadRequest || !strings.Contains(string(b), apierr.InvalidField) {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
	// An unknown tool's name is not echoed whole.
	code, b := post(t, f.h.POSKAI(), poskai("c1", strings.Repeat("x", 10000), nil))
	if code != http.StatusBadRequest || len(b) > 1000 {
		t.Errorf("unknown tool: %d, %d bytes", code, len(b))
	}
}

func TestVapiToolCallCap(t *testing.T) {
	f := newFixture(t)
	calls := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"message":{"type":"tool-calls","call":{"id":"v1"},"toolCallList":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"t%d","name":"lookup_shipment_status","arguments":{"order_number":"123456"}}`, i)
		}
		b.WriteString(`]}}`)
		return b.String()
	}
	if code, b := post(t, f.h.Vapi(), calls(MaxVapiToolCalls)); code != http.StatusOK {
		t.Errorf("%d tool calls: %d %s", MaxVapiToolCalls, code, b)
	}
	lookups := f.source.lookups
	code, b := post(t, f.h.Vapi(), calls(1000))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "message.toolCallList holds 1000 tool calls; a message may carry at most 8") {
		t.Errorf("1000 tool calls: %d %s", code, b)
	}
	if f.source.lookups != lookups {
		t.Errorf("a refused message looked %d orders up", f.source.lookups-lookups)
	}
}

const (
	vapiSecret = "vapi-test-secret"
	retellKey  = "key_retell_test"
)

func signedRequest(body string, h http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/voice/x", strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func TestPlatformSignatures(t *testing.T) {
	f := newFixture(t)
	f.h.VapiSecrets = []string{"old-secret", vapiSecret}
	f.h.RetellKeys = []string{retellKey}
	now := testNow
	vapiBody := `{"message":{"type":"tool-calls","call":{"id":"v1"},"toolCallList":[{"id":"t","name":"lookup_shipment_status","arguments":{"order_number":"123456","caller_phone":"+37060000000"}}]}}`
	retellBody := `{"name":"lookup_shipment_status","call":{"call_id":"r1"},"args":{"order_number":"123456","caller_phone":"+37060000000"}}`
	ts := fmt.Sprint(now.Unix())
	mac := func(body string) []byte { b, _ := hex.DecodeString(SignVapi(vapiSecret, ts, []byte(body))); return b }
	for _, tt := range []struct {
		name    string
		h       http.Handler
		body    string
		headers http.Header
		want    int
	}{
		{"vapi secret", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Secret": {vapiSecret}}, 200},
		{"vapi old secret in a rotation", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Secret": {"old-secret"}}, 200},
		{"vapi wrong secret", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Secret": {"guess"}}, 401},
		{"vapi unsigned", f.h.Vapi(), vapiBody, nil, 401},
		{"vapi hmac hex with timestamp", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Signature": {SignVapi(vapiSecret, ts, []byte(vapiBody))}, "X-Timestamp": {ts}}, 200},
		{"vapi hmac base64, sha256= prefix, default header", f.h.Vapi(), vapiBody, http.Header{"X-Signature": {"sha256=" + base64.StdEncoding.EncodeToString(mac(vapiBody))}, "X-Timestamp": {ts}}, 200},
		{"vapi hmac without timestamp", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Signature": {SignVapi(vapiSecret, "", []byte(vapiBody))}}, 200},
		{"vapi hmac of another body", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Signature": {SignVapi(vapiSecret, ts, []byte(vapiBody+" "))}, "X-Timestamp": {ts}}, 401},
		{"vapi stale timestamp", f.h.Vapi(), vapiBody, http.Header{"X-Vapi-Signature": {SignVapi(vapiSecret, "1000", []byte(vapiBody))}, "X-Timestamp": {"1000"}}, 401},
		{"vapi signed garbage is still refused before parsing", f.h.Vapi(), `{"message":`, http.Header{"X-Vapi-Secret": {"guess"}}, 401},
		{"retell signed", f.h.Retell(), retellBody, http.Header{"X-Retell-Signature": {SignRetell(retellKey, []byte(retellBody), now)}}, 200},
		{"retell another key", f.h.Retell(), retellBody, http.Header{"X-Retell-Signature": {SignRetell("key_other", []byte(retellBody), now)}}, 401},
		{"retell stale", f.h.Retell(), retellBody, http.Header{"X-Retell-Signature": {SignRetell(retellKey, []byte(retellBody), now.Add(-6*time.Minute))}}, 401},
		{"retell unsigned", f.h.Retell(), retellBody, nil, 401},
		{"retell malformed", f.h.Retell(), retellBody, http.Header{"X-Retell-Signature": {"v=1,d=zz"}}, 401},
	} {
		rec := httptest.NewRecorder()
		tt.h.ServeHTTP(rec, signedRequest(tt.body, tt.headers))
		if rec.Code != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.name, rec.Code, tt.want, rec.Body)
		}
		if tt.want == 401 && !strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
			t.Errorf("%s: %s", tt.name, rec.Body)
		}
	}
}

// FuzzVerifyVapi and FuzzVerifyRetell: any headers and body are refused or accepted without a
// panic, and only a real signature is accepted.
func FuzzVerifyVapi(f *testing.F) {
	body := []byte(`{"message":{"type":"tool-calls"}}`)
	f.Add("", SignVapi(vapiSecret, "1778149800", body), "1778149800", body)
	f.Add(vapiSecret, "", "", body)
	f.Add("\x00", "sha256=\x00", "\x00", []byte("\x00"))
	f.Add("", strings.Repeat("a", 100000), "99999999999999999999", bytes.Repeat([]byte("x"), 1<<16))
	f.Add("", base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "", body)
	f.Fuzz(func(t *testing.T, secret, sig, ts string, body []byte) {
		h := http.Header{}
		h.Set(HeaderVapiSecret, secret)
		h.Set(HeaderVapiSignature, sig)
		h.Set(HeaderTimestamp, ts)
		err := VerifyVapi([]string{vapiSecret}, h, body, testNow)
		if err == nil && secret != vapiSecret && sig != SignVapi(vapiSecret, ts, body) &&
			strings.TrimPrefix(sig, "sha256=") != SignVapi(vapiSecret, ts, body) {
			if m, ok := decodeMAC(strings.TrimPrefix(strings.TrimSpace(sig), "sha256=")); !ok || hex.EncodeToString(m) != SignVapi(vapiSecret, ts, body) {
				t.Fatalf("accepted secret %q sig %q ts %q", secret, sig, ts)
			}
		}
	})
}

func FuzzVerifyRetell(f *testing.F) {
	body := []byte(`{"name":"x"}`)
	f.Add(SignRetell(retellKey, body, testNow), body)
	f.Add("v=,d=", body)
	if v, d, ok := strings.Cut(SignRetell(retellKey, body, testNow), ",d="); ok {
		f.Add(v+",d="+strings.ToUpper(d), body)
	}
	f.Add("v=1778149800000,d="+strings.Repeat("0", 64), body)
	f.Add("v=\x00,d=\x00", []byte("\x00"))
	f.Add(strings.Repeat("v=1,d=", 100000), bytes.Repeat([]byte("x"), 1<<16))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		if err := VerifyRetell([]string{retellKey}, sig, body, testNow); err == nil {
			ts, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(sig), "v="), ",")
			var ms int64
			fmt.Sscan(ts, &ms)
			// Hex is case-blind: an upper-case digest is the same MAC.
			if want := SignRetell(retellKey, body, time.UnixMilli(ms)); !strings.EqualFold(strings.TrimSpace(sig), want) {
				t.Fatalf("accepted %q, the signature is %q", sig, want)
			}
		}
	})
}

// FuzzDriverReport: a report_delay from anyone but a driver never reaches ReportDelay, whatever
// its parameters, and a driver's reason never holds a control character.
func FuzzDriverReport(f *testing.F) {
	f.Add("05212345678901", "Customs fee unpaid: pay now at https://evil.example/pay", "Vilnius", "", false)
	f.Add("05212345678901", "traffic\x00", "", "customs", true)
	f.Add(strings.Repeat("9", 5000), strings.Repeat("a", 100000), "\n", "other", true)
	f.Fuzz(func(t *testing.T, tn, reason, location, code string, driver bool) {
		fx := newFixture(t)
		fx.h.Deadline = 5 * time.Second
		h := fx.h.POSKAI()
		if driver {
			h = asDriver(h)
		}
		code2, _ := post(t, h, poskai("c1", ToolReportDelay, map[string]any{"tracking_number": tn, "reason": reason, "location": location, "reason_code": code}))
		if code2 != http.StatusOK && code2 != http.StatusBadRequest {
			t.Fatalf("status %d", code2)
		}
		if !driver && len(fx.actions.delays) > 0 {
			t.Fatalf("a stranger's report was recorded")
		}
		for _, d := range fx.actions.delays {
			if err := order.CheckDelayText("reason", d.Reason); err != nil {
				t.Fatalf("recorded %q: %v", d.Reason, err)
			}
			if _, err := order.ParseDelayReason(string(d.ReasonCode)); err != nil {
				t.Fatalf("recorded code %q", d.ReasonCode)
			}
		}
	})
}
