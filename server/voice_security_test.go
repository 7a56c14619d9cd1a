package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/voice"
)

// The voice line's callers, as the voice server below is configured: a platform's token, a
// driver's token, a driver's phone, and Vapi's and Retell's own secrets.
const (
	voiceToken   = "voice-platform"
	driverToken  = "voice-driver"
	driverPhone  = "+37061111111"
	vapiSecret   = "vapi-server-secret"
	retellAPIKey = "key_retell_webhook"
	evilReason   = "Customs fee unpaid: pay now at https://evil.example/pay"
)

var (
	voiceOnce sync.Once
	voiceURL  string
)

// voiceServer is a serve replica with the voice line's security configured, on the stack's
// Postgres and Temporal: orders come in through the stack, whose worker runs their workflows.
func voiceServer(t *testing.T) string {
	t.Helper()
	newStack(t)
	voiceOnce.Do(func() { voiceURL = startVoiceServer(t) })
	if voiceURL == "" {
		t.Fatal("the voice server failed to start")
	}
	return voiceURL
}

func startVoiceServer(t *testing.T) string {
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_ADMIN_TOKENS":        "admin",
			"SHIPFLOW_VOICE_TOKENS":        voiceToken,
			"SHIPFLOW_VOICE_DRIVER_TOKENS": driverToken,
			"SHIPFLOW_VOICE_DRIVER_PHONES": driverPhone,
			"VAPI_WEBHOOK_SECRET":          "vapi-old-secret," + vapiSecret,
			"RETELL_API_KEY":               retellAPIKey,
			"SHIPFLOW_VOICE_DEADLINE":      "2s", // a loaded test machine is not a deadline test
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = stackTaskQueue // a call-back request for a finished order runs there
	m, _ := telemetry.NewMetrics()
	srv := httptest.NewServer(server.New(server.Deps{
		Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.QuietLogger(), Metrics: m,
	}))
	testenv.AtExit(srv.Close)
	return srv.URL
}

// voicePost posts body to one of the voice routes and returns the status and the raw answer.
func voicePost(t *testing.T, path string, h http.Header, body []byte) (int, []byte) {
	t.Helper()
	return voicePostTo(t, voiceServer(t), path, h, body)
}

// voicePostTo is voicePost to the serve replica at base.
func voicePostTo(t *testing.T, base, path string, h http.Header, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func bearerOf(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

type voiceAnswer struct {
	Status         string         `json:"status"`
	Data           map[string]any `json:"data"`
	AIInstructions string         `json:"ai_instructions"`
}

// poskaiCall makes one tool call (docs/reference/voice.md) with the given token and network caller id
// ("" for none) and returns the answer, which must be a 200.
func poskaiCall(t *testing.T, token, callerID, callID, tool string, params map[string]any) voiceAnswer {
	t.Helper()
	return poskaiCallTo(t, voiceServer(t), token, callerID, callID, tool, params)
}

// poskaiCallTo is poskaiCall to the serve replica at base.
func poskaiCallTo(t *testing.T, base, token, callerID, callID, tool string, params map[string]any) voiceAnswer {
	t.Helper()
	md := map[string]any{"timestamp": time.Now().UTC().Format(time.RFC3339)}
	if callerID != "" {
		md["caller_phone"] = callerID
	}
	body, _ := json.Marshal(map[string]any{"event": "tool.invoked", "call_id": callID, "tool_name": tool, "parameters": params, "metadata": md})
	code, b := voicePostTo(t, base, "/voice/tools", bearerOf(token), body)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", tool, code, b)
	}
	var a voiceAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: %s", tool, b)
	}
	return a
}

// shippedOrder creates an order with one shipment through the stack and waits for it.
func shippedOrder(t *testing.T, prefix string) (id, tracking string) {
	t.Helper()
	s := newStack(t)
	id = uniqueID(prefix)
	tracking = "TN" + strings.ReplaceAll(id, "-", "")
	if len(tracking) > 40 {
		tracking = tracking[:40]
	}
	s.sendCommerce(t, id+"-c", "order.created", created(id))
	s.sendCommerce(t, id+"-s", "order.shipped", shipped(id, "S1", "DPD", tracking))
	awaitOrder(t, id, "shipped", statusIs(order.StatusShipped))
	return id, tracking
}

// TestVoiceStrangerCannotReportDelay is finding 2 of issue 14: a caller who is not a driver
// reported a delay with a link in its reason, which was texted to the order's customer. Now the
// caller hears what an unknown parcel gets, the order is untouched and the customer told nothing.
func TestVoiceStrangerCannotReportDelay(t *testing.T) {
	id, tracking := shippedOrder(t, "stranger")
	s := newStack(t)
	known := poskaiCall(t, voiceToken, "+37069999999", "call-s1-"+id, "report_delay",
		map[string]any{"tracking_number": tracking, "reason": evilReason, "location": "Vilnius"})
	unknown := poskaiCall(t, voiceToken, "+37069999999", "call-s2-"+id, "report_delay",
		map[string]any{"tracking_number": "NOPE" + id[len(id)-8:], "reason": "traffic"})
	if known.Status != "not_found" || unknown.Status != "not_found" {
		t.Fatalf("a stranger's report: %+v / %+v", known, unknown)
	}
	if strings.ReplaceAll(known.AIInstructions, tracking, "X") != strings.ReplaceAll(unknown.AIInstructions, "NOPE"+id[len(id)-8:], "X") ||
		len(known.Data) != 1 || known.Data["tracking_number"] != tracking {
		t.Errorf("a real parcel answered unlike an unknown one:\n%+v\n%+v", known, unknown)
	}
	// By order number: nothing maps it, nothing is revealed.
	if a := poskaiCall(t, voiceToken, "", "call-s3-"+id, "report_delay", map[string]any{"order_number": id, "reason": evilReason}); a.Status != "not_found" || len(a.Data) != 1 {
		t.Errorf("by order number: %+v", a)
	}
	// A driver's phone said aloud is not a driver's caller id.
	if a := poskaiCall(t, voiceToken, "", "call-s4-"+id, "report_delay", map[string]any{"tracking_number": tracking, "caller_phone": driverPhone}); a.Status != "not_found" {
		t.Errorf("a spoken driver phone: %+v", a)
	}
	time.Sleep(time.Second) // time for an update, had one been sent, to apply and notify
	v := awaitOrder(t, id, "shipped", statusIs(order.StatusShipped))
	if v.Exception != nil {
		t.Errorf("a stranger's report raised %+v", v.Exception)
	}
	for _, n := range s.notes.of(id) {
		if strings.HasPrefix(n, "delayed/") {
			t.Errorf("the customer was told of a stranger's delay: %s", n)
		}
	}
}

// capture is a customer channel that keeps what it is asked to send.
type capture struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (c *capture) Send(_ context.Context, m notify.Message) (notify.Sent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m)
	return notify.Sent{Provider: "test", MessageID: fmt.Sprint(len(c.sent)), Status: "queued"}, nil
}

// TestVoiceDriverDelayTellsCustomerTheFixedSentence: a driver's report with the finding's
// reason reaches the customer as the fixed customs sentence, in the customer's language, with no
// link and none of the driver's words; staff and subscribers (the order's view) get the words.
func TestVoiceDriverDelayTellsCustomerTheFixedSentence(t *testing.T) {
	id, tracking := shippedOrder(t, "driver")
	s := newStack(t)
	eta := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	a := poskaiCall(t, driverToken, "", "call-d1-"+id, "report_delay",
		map[string]any{"tracking_number": tracking, "reason": evilReason, "location": "Vilnius", "revised_eta": eta.Format(time.RFC3339)})
	if a.Status != "success" || a.Data["recorded"] != true {
		t.Fatalf("a driver's report: %+v", a)
	}
	v := awaitOrder(t, id, "a driver delay", func(v order.View) bool { return v.Exception != nil })
	x := v.Exception
	if x.Reason != order.ReasonDriverDelay || x.DelayReason != order.DelayCustoms || x.Message != evilReason+" (near Vilnius)" {
		t.Errorf("staff see %+v, want the driver's words and the customs code", x)
	}

	// The customer's messages, rendered by the real notification service from what the
	// workflow asked for.
	var asked []notify.Request
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(asked) < 2; time.Sleep(50 * time.Millisecond) {
		asked = asked[:0]
		s.notes.mu.Lock()
		for _, n := range s.notes.full {
			if n.OrderID == id && n.Milestone == order.MilestoneDelayed {
				asked = append(asked, n)
			}
		}
		s.notes.mu.Unlock()
	}
	if len(asked) != 2 { // sms and email
		t.Fatalf("delayed notifications %+v, want sms and email", asked)
	}
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	out := &capture{}
	svc := &notify.Service{Log: notify.NewLog(testenv.DB(t)), Templates: set, Fallback: out, Logger: testenv.QuietLogger()}
	for _, n := range asked {
		if n.Reason != "" || n.DelayReason != order.DelayCustoms {
			t.Errorf("the notification carries %q / %q, want only the customs code", n.Reason, n.DelayReason)
		}
		if err := svc.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.sent) != 2 {
		t.Fatalf("sent %d messages", len(out.sent))
	}
	for _, m := range out.sent {
		all := m.Subject + "\n" + m.Text + "\n" + m.HTML
		if !strings.Contains(m.Text, "Siuntą tikrina muitinė.") {
			t.Errorf("%s lacks the customs sentence: %s", m.Channel, m.Text)
		}
		for _, leak := range []string{"evil.example", "pay now", "Customs fee", "Vilnius", "https://evil"} {
			if strings.Contains(all, leak) {
				t.Errorf("%s message carries %q: %s", m.Channel, leak, all)
			}
		}
	}

	// A driver known by the network's caller id, on Vapi with its own secret.
	id2, tracking2 := shippedOrder(t, "driver-phone")
	args, _ := json.Marshal(map[string]any{"tracking_number": tracking2, "reason": "sniego pūga", "location": "A1"})
	body := `{"message":{"type":"tool-calls","call":{"id":"vapi-` + id2 + `","customer":{"number":"` + driverPhone + `"}},` +
		`"toolCallList":[{"id":"tc1","type":"function","function":{"name":"report_delay","arguments":` + string(args) + `}}]}}`
	code, b := voicePost(t, "/voice/vapi", http.Header{voice.HeaderVapiSecret: {vapiSecret}}, []byte(body))
	if code != http.StatusOK || !strings.Contains(string(b), `\"status\":\"success\"`) {
		t.Fatalf("a driver's caller id on Vapi: %d %s", code, b)
	}
	if v := awaitOrder(t, id2, "a driver delay", func(v order.View) bool { return v.Exception != nil }); v.Exception.DelayReason != order.DelayWeather {
		t.Errorf("delay reason %q, want weather", v.Exception.DelayReason)
	}

	// The driver's words are bounded at the door.
	for field, value := range map[string]string{"reason": strings.Repeat("pay ", 51), "location": "Vilnius\x00"} {
		body, _ := json.Marshal(map[string]any{"event": "tool.invoked", "call_id": "call-d2-" + id, "tool_name": "report_delay",
			"parameters": map[string]any{"tracking_number": tracking, field: value}})
		code, b := voicePost(t, "/voice/tools", bearerOf(driverToken), body)
		if code != http.StatusBadRequest || !strings.Contains(string(b), "parameters."+field) {
			t.Errorf("%s %q: %d %s", field, value, code, b)
		}
	}
}

// TestVoiceCallerIDPreferred: the number the platform says the call comes from is what is
// verified; a number the caller says does not override it.
func TestVoiceCallerIDPreferred(t *testing.T) {
	id, _ := shippedOrder(t, "callerid")
	retell := func(from, said string) voiceAnswer {
		args := map[string]any{"order_number": id}
		if said != "" {
			args["caller_phone"] = said
		}
		body, _ := json.Marshal(map[string]any{"name": "lookup_shipment_status", "args": args,
			"call": map[string]any{"call_id": "retell-" + from + said + id, "from_number": from, "direction": "inbound"}})
		code, b := voicePost(t, "/voice/retell", http.Header{voice.HeaderRetellSignature: {voice.SignRetell(retellAPIKey, body, time.Now())}}, body)
		if code != http.StatusOK {
			t.Fatalf("retell: %d %s", code, b)
		}
		var a voiceAnswer
		_ = json.Unmarshal(b, &a)
		return a
	}
	if a := retell("+37069999999", "+37060000000"); a.Status != "verification_required" || len(a.Data) != 1 {
		t.Errorf("another caller id with the order's number said: %+v", a)
	}
	if a := retell("+37060000000", "+37069999999"); a.Status != "success" {
		t.Errorf("the order's caller id with another number said: %+v", a)
	}
	if a := retell("", "+37060000000"); a.Status != "success" {
		t.Errorf("no caller id, the order's number said: %+v", a)
	}
}

// TestVoiceAttemptLimits: failed verifications are counted per call and per order in Postgres,
// shared by every replica; past the limits the caller is refused without a look at the number.
func TestVoiceAttemptLimits(t *testing.T) {
	id, _ := shippedOrder(t, "attempts")
	lookup := func(callID, caller string) voiceAnswer {
		return poskaiCall(t, voiceToken, "", callID, "lookup_shipment_status", map[string]any{"order_number": id, "caller_phone": caller})
	}
	call := "call-a-" + id
	for i := range voice.MaxFailuresPerCall {
		if a := lookup(call, fmt.Sprintf("+3706999999%d", i)); a.Status != "verification_required" {
			t.Fatalf("wrong number %d: %+v", i, a)
		}
	}
	if a := lookup(call, "+37060000000"); a.Status != "verification_required" || !strings.Contains(a.AIInstructions, "don't try again") {
		t.Errorf("the right number after %d failures in the call: %+v", voice.MaxFailuresPerCall, a)
	}
	// The per-order count, from calls of their own, on another replica.
	for i := voice.MaxFailuresPerCall; i < voice.MaxFailuresPerOrder; i++ {
		lookup(fmt.Sprintf("call-b%d-%s", i, id), fmt.Sprintf("+370699999%02d", i))
	}
	var n int
	if err := testenv.DB(t).QueryRow(context.Background(), `SELECT count(*) FROM voice_attempts WHERE key = $1`, "order:"+id).Scan(&n); err != nil || n != voice.MaxFailuresPerOrder {
		t.Errorf("order failures in Postgres: %d (%v)", n, err)
	}
	if a := lookup("call-c-"+id, "+37060000000"); a.Status != "verification_required" || len(a.Data) != 1 {
		t.Errorf("the right number on a locked order: %+v", a)
	}
	// Another order is not locked.
	other, _ := shippedOrder(t, "attempts-other")
	if a := poskaiCall(t, voiceToken, "", "call-d-"+other, "lookup_shipment_status", map[string]any{"order_number": other, "caller_phone": "+37060000000"}); a.Status != "success" {
		t.Errorf("another order: %+v", a)
	}
}

// TestVoicePlatformAuth: with their secrets configured, Vapi's and Retell's requests must carry
// their signature (a 401 before the body is read as JSON), a bearer token sent must be valid,
// and a Vapi message carries at most a handful of tool calls.
func TestVoicePlatformAuth(t *testing.T) {
	vapi := []byte(`{"message":{"type":"tool-calls","call":{"id":"v-auth"},"toolCallList":[{"id":"t","name":"lookup_shipment_status","arguments":{"order_number":"nope"}}]}}`)
	retell := []byte(`{"name":"lookup_shipment_status","call":{"call_id":"r-auth"},"args":{"order_number":"nope"}}`)
	ts := fmt.Sprint(time.Now().Unix())
	for _, tt := range []struct {
		name, path string
		h          http.Header
		body       []byte
		want       int
	}{
		{"vapi unsigned", "/voice/vapi", nil, vapi, 401},
		{"vapi unsigned, not even JSON", "/voice/vapi", nil, []byte("\x00not json"), 401},
		{"vapi wrong secret", "/voice/vapi", http.Header{voice.HeaderVapiSecret: {"guess"}}, vapi, 401},
		{"vapi bearer only", "/voice/vapi", bearerOf(voiceToken), vapi, 401},
		{"vapi secret", "/voice/vapi", http.Header{voice.HeaderVapiSecret: {vapiSecret}}, vapi, 200},
		{"vapi secret being rotated out", "/voice/vapi", http.Header{voice.HeaderVapiSecret: {"vapi-old-secret"}}, vapi, 200},
		{"vapi HMAC credential", "/voice/vapi", http.Header{voice.HeaderVapiSignature: {voice.SignVapi(vapiSecret, ts, vapi)}, voice.HeaderTimestamp: {ts}}, vapi, 200},
		{"vapi secret with a bad bearer", "/voice/vapi", http.Header{voice.HeaderVapiSecret: {vapiSecret}, "Authorization": {"Bearer guess"}}, vapi, 401},
		{"retell signed", "/voice/retell", http.Header{voice.HeaderRetellSignature: {voice.SignRetell(retellAPIKey, retell, time.Now())}}, retell, 200},
		{"retell signed for another body", "/voice/retell", http.Header{voice.HeaderRetellSignature: {voice.SignRetell(retellAPIKey, vapi, time.Now())}}, retell, 401},
		{"retell unsigned", "/voice/retell", bearerOf(voiceToken), retell, 401},
		{"tools without a token", "/voice/tools", nil, []byte(`{}`), 401},
		{"tools with Vapi's secret only", "/voice/tools", http.Header{voice.HeaderVapiSecret: {vapiSecret}}, []byte(`{}`), 401},
	} {
		code, b := voicePost(t, tt.path, tt.h, tt.body)
		if code != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.name, code, tt.want, b)
		}
		if code == 401 && !strings.Contains(string(b), `"code":"unauthorized"`) {
			t.Errorf("%s: %s", tt.name, b)
		}
	}
	var many strings.Builder
	many.WriteString(`{"message":{"type":"tool-calls","call":{"id":"v-many"},"toolCallList":[`)
	for i := range 300 { // within the route's 64 KiB body cap, far over the tool-call cap
		if i > 0 {
			many.WriteByte(',')
		}
		fmt.Fprintf(&many, `{"id":"t%d","name":"lookup_shipment_status","arguments":{"order_number":"%d"}}`, i, i)
	}
	many.WriteString(`]}}`)
	code, b := voicePost(t, "/voice/vapi", http.Header{voice.HeaderVapiSecret: {vapiSecret}}, []byte(many.String()))
	if code != http.StatusBadRequest || !strings.Contains(string(b), "at most 8") {
		t.Errorf("300 tool calls: %d %s", code, b)
	}
}
