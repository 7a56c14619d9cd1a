package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/twilio"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/telemetry"
)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "0123456789abcdef0123456789abcdef"
	// twilioOldToken is the primary token before a rotation, still configured as
	// TWILIO_AUTH_TOKEN_PREVIOUS: callbacks Twilio signed with it keep verifying.
	twilioOldToken = "fedcba9876543210fedcba9876543210"
	publicURL      = "https://shipflow.example.com"
	trackingSecret = "tracking-secret"
)

// receipts is the HTTP app with the notification log, and a notify service sending through
// Twilio and SendGrid stand-ins, so tests can send a message and then post its receipts.
type receipts struct {
	e   *echo.Echo
	svc *notify.Service
	tw  *providertest.Twilio
	sg  *providertest.SendGrid
	// sgOld signs with the previous event webhook key.
	sgOld *providertest.SendGrid
	log   *notify.Log
}

func newReceipts(t *testing.T) *receipts {
	t.Helper()
	tw := providertest.NewTwilio(t, twilioSID, twilioToken)
	sg := providertest.NewSendGrid(t, "SG.key")
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin", "TWILIO_AUTH_TOKEN": twilioToken,
			"TWILIO_AUTH_TOKEN_PREVIOUS": twilioOldToken, "SHIPFLOW_PUBLIC_URL": publicURL, "SHIPFLOW_TRACKING_SECRET": trackingSecret}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := sendgrid.ParsePublicKey(sg.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	log := notify.NewLog(testenv.DB(t))
	// SENDGRID_WEBHOOK_PUBLIC_KEY_PREVIOUS: the key of another stand-in, as after a rotation.
	sgOld := providertest.NewSendGrid(t, "SG.old")
	oldKey, err := sendgrid.ParsePublicKey(sgOld.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	e := New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.Logger(t), Metrics: m, Notifications: log,
		SendGridKey: key, SendGridPreviousKey: oldKey})
	hc := &http.Client{Timeout: 5 * time.Second}
	ts, err := twilio.New(twilio.Config{AccountSID: twilioSID, AuthToken: twilioToken, From: "+15005550006", APIURL: tw.URL()}, hc)
	if err != nil {
		t.Fatal(err)
	}
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc := &notify.Service{Log: log, Templates: set, Logger: testenv.QuietLogger(), PublicURL: publicURL, TrackingSecret: trackingSecret,
		Senders: map[order.Channel]notify.Sender{
			order.ChannelSMS:   ts,
			order.ChannelEmail: sendgrid.New(sendgrid.Config{APIKey: "SG.key", From: "shop@example.com", APIURL: sg.URL()}, hc),
		}}
	return &receipts{e: e, svc: svc, tw: tw, sg: sg, sgOld: sgOld, log: log}
}

func (r *receipts) send(t *testing.T, ch order.Channel, phone string) notify.Request {
	t.Helper()
	n := notify.Request{
		OrderID: fmt.Sprintf("rc-%d", time.Now().UnixNano()), Milestone: order.MilestoneShipped, ShipmentID: "S1", Channel: ch,
		Customer: order.Customer{Name: "Ona", Email: "ona@example.com", Phone: phone, Locale: "en"},
	}
	if err := r.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (r *receipts) status(t *testing.T, orderID string) notify.Status {
	t.Helper()
	es, err := r.log.ForOrder(context.Background(), orderID)
	if err != nil || len(es) != 1 {
		t.Fatalf("log: %v %v", es, err)
	}
	return es[0].Status
}

// postForm posts a Twilio webhook, signed with sig (computed over the public URL if empty).
func (r *receipts) postForm(path string, form url.Values, sig string) int {
	if sig == "" {
		sig = providertest.TwilioSignature(twilioToken, publicURL+path, form)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec.Code
}

func TestTwilioStatusCallbacks(t *testing.T) {
	r := newReceipts(t)
	n := r.send(t, order.ChannelSMS, "+37060000001")
	sid := r.tw.Messages()[0].SID
	form := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}}

	if code := r.postForm("/webhooks/twilio/status", form, "bm90IGEgc2lnbmF0dXJl"); code != http.StatusUnauthorized {
		t.Errorf("invalid signature: %d, want 401", code)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusSent {
		t.Errorf("an unsigned callback changed the log to %s", st)
	}
	if code := r.postForm("/webhooks/twilio/status", form, ""); code != http.StatusNoContent {
		t.Fatalf("valid callback: %d", code)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusDelivered {
		t.Errorf("after delivered: %s", st)
	}
	// A late "sent" must not undo "delivered".
	form.Set("MessageStatus", "sent")
	r.postForm("/webhooks/twilio/status", form, "")
	if st := r.status(t, n.OrderID); st != notify.StatusDelivered {
		t.Errorf("a late sent receipt moved delivered to %s", st)
	}
}

func TestSTOPThenNoMoreSMSAndSTARTAgain(t *testing.T) {
	r := newReceipts(t)
	const phone = "+37060000002"
	stop := url.Values{"From": {phone}, "To": {"+15005550006"}, "Body": {" stop "}, "MessageSid": {"SM1"}}
	if code := r.postForm("/webhooks/twilio/inbound", stop, "AAAA"); code != http.StatusUnauthorized {
		t.Errorf("unsigned STOP: %d, want 401", code)
	}
	if code := r.postForm("/webhooks/twilio/inbound", stop, ""); code != http.StatusOK {
		t.Fatalf("STOP: %d", code)
	}
	n := r.send(t, order.ChannelSMS, phone)
	if st := r.status(t, n.OrderID); st != notify.StatusSuppressed || len(r.tw.Messages()) != 0 {
		t.Errorf("after STOP: logged %s, twilio got %d messages", st, len(r.tw.Messages()))
	}
	start := url.Values{"From": {phone}, "To": {"+15005550006"}, "Body": {"START"}, "MessageSid": {"SM2"}}
	if code := r.postForm("/webhooks/twilio/inbound", start, ""); code != http.StatusOK {
		t.Fatalf("START: %d", code)
	}
	n = r.send(t, order.ChannelSMS, phone)
	if st := r.status(t, n.OrderID); st != notify.StatusSent || len(r.tw.Messages()) != 1 {
		t.Errorf("after START: logged %s, twilio got %d messages", st, len(r.tw.Messages()))
	}
}

func TestSendGridEventWebhook(t *testing.T) {
	r := newReceipts(t)
	n := r.send(t, order.ChannelEmail, "")
	body := r.sg.Events("delivered", r.sg.Messages()...)
	post := func(sig, ts string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid/events", strings.NewReader(string(body)))
		req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
		req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
		rec := httptest.NewRecorder()
		r.e.ServeHTTP(rec, req)
		return rec.Code
	}
	sig, ts := r.sg.SignEvents(body)
	if code := post(sig, fmt.Sprint(time.Now().Unix()-1)); code != http.StatusUnauthorized {
		t.Errorf("signature over another timestamp: %d, want 401", code)
	}
	if code := post(sig, ts); code != http.StatusNoContent {
		t.Fatalf("signed events: %d", code)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusDelivered {
		t.Errorf("after delivered event: %s", st)
	}
	// During a key rotation events signed with the previous key are applied too; a signature
	// header far longer than any ECDSA signature is refused unread.
	body = r.sg.Events("bounce", r.sg.Messages()...)
	if code := post(strings.Repeat("A", 1<<16), fmt.Sprint(time.Now().Unix())); code != http.StatusUnauthorized {
		t.Errorf("64 KiB signature: %d, want 401", code)
	}
	if code := post(r.sgOld.SignEvents(body)); code != http.StatusNoContent {
		t.Fatalf("events signed with the previous key: %d", code)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusUndelivered {
		t.Errorf("after bounce signed with the previous key: %s", st)
	}
}

func TestNotificationLogOfAnOrder(t *testing.T) {
	r := newReceipts(t)
	n := r.send(t, order.ChannelSMS, "+37060000003")
	req := httptest.NewRequest(http.MethodGet, "/v1/orders/"+n.OrderID+"/notifications", nil)
	req.Header.Set("Authorization", "Bearer admin")
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	for _, want := range []string{`"channel":"sms"`, `"to":"+37060000003"`, `"template":"shipped"`, `"provider":"twilio"`, `"provider_message_id":"SM`, `"status":"sent"`, `"created_at"`, `"updated_at"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("notifications lack %s: %s", want, rec.Body.String())
		}
	}
	// The read is in the audit trail, as the token's.
	entries, _, err := audit.List(t.Context(), testenv.DB(t), audit.Filter{OrderID: n.OrderID})
	if err != nil || len(entries) != 1 || entries[0].Action != audit.ActionReadOrder || entries[0].Actor != "admin-1" ||
		entries[0].Via != access.ViaAPI || entries[0].Detail["read"] != readNotifications {
		t.Errorf("audit entries of the read: %+v %v", entries, err)
	}
	req = httptest.NewRequest(http.MethodGet, "/v1/orders/no-such-order/notifications", nil)
	req.Header.Set("Authorization", "Bearer admin")
	rec = httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown order: %d", rec.Code)
	}
}

// countingReader counts what the handler reads of a request body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// postTwilio posts body to path with signature sig; size is the Content-Length to declare
// (-1 for a chunked body). It returns the answer and how many body bytes were read.
func (r *receipts) postTwilio(path string, body []byte, size int64, sig string) (*httptest.ResponseRecorder, int) {
	cr := &countingReader{r: bytes.NewReader(body)}
	req := httptest.NewRequest(http.MethodPost, path, cr)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec, cr.n
}

// TestTwilioWebhookRefusesHostileFormsCheaply reproduces finding 1 of issue 14: a 1 MiB form
// of 10,000 parameters with a made-up X-Twilio-Signature cost about 5 s of CPU before its
// 401, because twilio-go's validator builds its signed string quadratically. Now the body is
// capped at 64 KiB and the form at 100 parameters, both checked before any parsing or MAC,
// and a genuine callback still works. The assertions are on what was read and answered, not
// on time; BenchmarkVerifyTwilioHostile in package signature measures the CPU.
func TestTwilioWebhookRefusesHostileFormsCheaply(t *testing.T) {
	r := newReceipts(t)
	hostile := url.Values{}
	for i := range 10000 {
		hostile.Set(fmt.Sprintf("P%05d", i), strings.Repeat("x", 100))
	}
	body := []byte(hostile.Encode())
	if len(body) < 1<<20 {
		t.Fatalf("hostile form is %d bytes, want over 1 MiB", len(body))
	}
	// Made up, but of the right shape (base64 of 20 bytes), as an attacker would send.
	madeUp := base64.StdEncoding.EncodeToString([]byte("not-a-real-signature"))
	for _, path := range []string{"/webhooks/twilio/inbound", "/webhooks/twilio/status"} {
		// Declared size over the cap: 413 without reading a byte.
		rec, read := r.postTwilio(path, body, int64(len(body)), madeUp)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"payload_too_large"`) {
			t.Errorf("%s, 1 MiB declared: %d %s, want 413 payload_too_large", path, rec.Code, rec.Body)
		}
		if read != 0 {
			t.Errorf("%s, 1 MiB declared: read %d bytes, want none", path, read)
		}
		// Chunked, so no size is declared: 413 once reading passes the cap.
		rec, read = r.postTwilio(path, body, -1, madeUp)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s, 1 MiB chunked: %d %s, want 413", path, rec.Code, rec.Body)
		}
		if read > signature.TwilioMaxBody+1 {
			t.Errorf("%s, 1 MiB chunked: read %d bytes, cap is %d", path, read, signature.TwilioMaxBody)
		}
		// Within the body cap but hundreds of parameters: 400, before parsing.
		capped := body[:signature.TwilioMaxBody]
		rec, _ = r.postTwilio(path, capped, int64(len(capped)), madeUp)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "more than 100 parameters") {
			t.Errorf("%s, 64 KiB of parameters: %d %s, want 400 naming the parameter cap", path, rec.Code, rec.Body)
		}
		// No signature at all: 401 before the body is read.
		rec, read = r.postTwilio(path, body, -1, "")
		if rec.Code != http.StatusUnauthorized || read != 0 {
			t.Errorf("%s, unsigned: %d after reading %d bytes, want 401 after none", path, rec.Code, read)
		}
	}

	// A genuine small callback, and an inbound STOP, still work.
	n := r.send(t, order.ChannelSMS, "+37060000004")
	sid := r.tw.Messages()[0].SID
	status := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}}
	if code := r.postForm("/webhooks/twilio/status", status, ""); code != http.StatusNoContent {
		t.Fatalf("genuine status callback: %d", code)
	}
	if st := r.status(t, n.OrderID); st != notify.StatusDelivered {
		t.Errorf("after delivered: %s", st)
	}
	stop := url.Values{"From": {"+37060000004"}, "To": {"+15005550006"}, "Body": {"STOP"}, "MessageSid": {"SM4"}}
	if code := r.postForm("/webhooks/twilio/inbound", stop, ""); code != http.StatusOK {
		t.Fatalf("genuine STOP: %d", code)
	}
}

// TestTwilioWebhookTokenRotation: while TWILIO_AUTH_TOKEN_PREVIOUS holds the old primary token
// (Twilio signs with the primary until the secondary is promoted), callbacks signed with the
// old token and with the new one are both applied; one signed with any other is refused.
func TestTwilioWebhookTokenRotation(t *testing.T) {
	r := newReceipts(t)
	r.send(t, order.ChannelSMS, "+37060000005")
	r.send(t, order.ChannelSMS, "+37060000006")
	msgs := r.tw.Messages()
	const path = "/webhooks/twilio/status"
	for i, token := range []string{twilioOldToken, twilioToken} {
		form := url.Values{"MessageSid": {msgs[i].SID}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}}
		if code := r.postForm(path, form, signature.SignTwilio(token, publicURL+path, form)); code != http.StatusNoContent {
			t.Errorf("signed with token %d of the rotation: %d, want 204", i, code)
		}
	}
	form := url.Values{"MessageSid": {msgs[0].SID}, "MessageStatus": {"failed"}, "AccountSid": {twilioSID}}
	if code := r.postForm(path, form, signature.SignTwilio("0000000000000000000000000000000f", publicURL+path, form)); code != http.StatusUnauthorized {
		t.Errorf("signed with a third token: %d, want 401", code)
	}
}

// TestTwilioWebhookFields: once verified, the fields shipflow stores are still checked.
func TestTwilioWebhookFields(t *testing.T) {
	r := newReceipts(t)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/webhooks/twilio/status", url.Values{"MessageSid": {"SM\x00"}, "MessageStatus": {"delivered"}}},
		{"/webhooks/twilio/status", url.Values{"MessageSid": {strings.Repeat("S", 65)}, "MessageStatus": {"delivered"}}},
		{"/webhooks/twilio/status", url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"failed"}, "ErrorCode": {"30003; drop table"}}},
		{"/webhooks/twilio/inbound", url.Values{"From": {"+3706\x000000"}, "Body": {"STOP"}}},
		{"/webhooks/twilio/inbound", url.Values{"From": {strings.Repeat("1", 41)}, "Body": {"STOP"}}},
	} {
		if code := r.postForm(tc.path, tc.form, ""); code != http.StatusBadRequest {
			t.Errorf("%s %v: %d, want 400", tc.path, tc.form, code)
		}
	}
}

// Issue 15, finding 6: every email carries a signed unsubscribe link and the one-click
// List-Unsubscribe headers; following it (or a mail client's one-click POST) ends email to that
// address, and SendGrid's unsubscribe and spam report events do the same.
func TestEmailUnsubscribe(t *testing.T) {
	r := newReceipts(t)
	ctx := context.Background()
	// An address of its own: opt-outs outlive the test, and the package shares one database.
	addr := fmt.Sprintf("ona.%d@example.com", time.Now().UnixNano())
	send := func() notify.Request {
		n := notify.Request{
			OrderID: fmt.Sprintf("unsub-%d", time.Now().UnixNano()), Milestone: order.MilestoneShipped, ShipmentID: "S1",
			Channel: order.ChannelEmail, Customer: order.Customer{Name: "Ona", Email: addr, Locale: "en"},
		}
		if err := r.svc.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	send()
	msgs := r.sg.Messages()
	m := msgs[len(msgs)-1]
	link := strings.TrimSuffix(strings.TrimPrefix(m.Headers["List-Unsubscribe"], "<"), ">")
	if !strings.HasPrefix(link, publicURL+"/unsubscribe/") || m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %v: want a one-click List-Unsubscribe to our link", m.Headers)
	}
	if !strings.Contains(m.HTML, `href="`+link+`"`) || !strings.Contains(m.Text, "Unsubscribe: "+link) {
		t.Errorf("the email's bodies do not carry the link %s", link)
	}
	path := strings.TrimPrefix(link, publicURL)
	do := func(method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.e.ServeHTTP(rec, req)
		return rec
	}
	optedOut := func(addr string) bool {
		out, err := r.log.OptedOut(ctx, "email", addr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if rec := do(http.MethodGet, path); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<form method="post">`) || optedOut(addr) {
		t.Fatalf("GET, which mail scanners follow, must only ask: %d, opted out %v", rec.Code, optedOut(addr))
	}
	if rec := do(http.MethodPost, path[:len(path)-3]+"AAA"); rec.Code != http.StatusNotFound {
		t.Errorf("a tampered link: %d, want 404", rec.Code)
	}
	if rec := do(http.MethodPost, path); rec.Code != http.StatusOK || !optedOut(strings.ToUpper(addr)) {
		t.Fatalf("one-click POST: %d, opted out %v", rec.Code, optedOut(addr))
	}
	n := send()
	if st := r.status(t, n.OrderID); st != notify.StatusSuppressed {
		t.Errorf("the next email: %s, want suppressed", st)
	}

	for _, tc := range []struct{ event, addr string }{
		{"unsubscribe", "rasa." + addr}, {"spamreport", "egle." + addr}, {"group_unsubscribe", "jonas." + addr},
	} {
		body := r.sg.Events(tc.event, providertest.SendGridMessage{MessageID: "x", To: tc.addr})
		sig, ts := r.sg.SignEvents(body)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid/events", strings.NewReader(string(body)))
		req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
		req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
		rec := httptest.NewRecorder()
		r.e.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent || !optedOut(tc.addr) {
			t.Errorf("%s: %d, opted out %v", tc.event, rec.Code, optedOut(tc.addr))
		}
	}
}

// TestSendGridDynamicTemplate: a milestone named in SENDGRID_TEMPLATES goes to SendGrid as that
// template with dynamic_template_data instead of subject and content, with the same custom
// args, one-click unsubscribe headers and log entry, and its signed events land the same way.
// A SendGrid outage is retried; a malformed template id fails for good without a request.
func TestSendGridDynamicTemplate(t *testing.T) {
	const tpl = "d-4ad23ad40a0e47d0a0232b85f24ca5c2"
	r := newReceipts(t)
	r.svc.SendGridTemplates = map[order.Milestone]string{order.MilestoneShipped: tpl, order.MilestoneDelivered: "d-123"}

	n := r.send(t, order.ChannelEmail, "")
	msgs := r.sg.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages", len(msgs))
	}
	m := msgs[0]
	if m.TemplateID != tpl || m.Subject != "" || m.Text != "" || m.HTML != "" {
		t.Errorf("sent %+v: want template %s and no subject or content", m, tpl)
	}
	d := m.TemplateData
	if d["first_name"] != "Ona" || d["order_number"] != n.OrderID || d["milestone"] != "shipped" ||
		!strings.HasPrefix(fmt.Sprint(d["tracking_url"]), publicURL+"/") {
		t.Errorf("dynamic_template_data %v", d)
	}
	for _, k := range []string{"carrier", "carrier_url", "tracking_number", "eta", "items", "store_name"} {
		if _, ok := d[k]; !ok {
			t.Errorf("dynamic_template_data has no %s: %v", k, d)
		}
	}
	if m.CustomArgs["order_id"] != n.OrderID || m.CustomArgs["notification_key"] == "" ||
		!strings.HasPrefix(m.Headers["List-Unsubscribe"], "<"+publicURL+"/unsubscribe/") {
		t.Errorf("custom args %v, headers %v", m.CustomArgs, m.Headers)
	}
	body := r.sg.Events("delivered", m)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/sendgrid/events", strings.NewReader(string(body)))
	sig, ts := r.sg.SignEvents(body)
	req.Header.Set("X-Twilio-Email-Event-Webhook-Signature", sig)
	req.Header.Set("X-Twilio-Email-Event-Webhook-Timestamp", ts)
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || r.status(t, n.OrderID) != notify.StatusDelivered {
		t.Errorf("delivered event: %d, status %s", rec.Code, r.status(t, n.OrderID))
	}

	// 503: retryable, the entry stays queued for the next attempt, which sends it once.
	r.sg.FailNext(1, http.StatusServiceUnavailable, 0)
	n2 := notify.Request{OrderID: n.OrderID + "-b", Milestone: order.MilestoneShipped, ShipmentID: "S1", Channel: order.ChannelEmail,
		Customer: order.Customer{Name: "Ona", Email: "ona@example.com", Locale: "en"}}
	if err := r.svc.Notify(t.Context(), n2); err == nil || notify.IsPermanent(err) {
		t.Fatalf("503: err = %v, want a retryable error", err)
	}
	if st := r.status(t, n2.OrderID); st != notify.StatusQueued {
		t.Errorf("after 503: %s", st)
	}
	if err := r.svc.Notify(t.Context(), n2); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := len(r.sg.Messages()); got != 2 {
		t.Errorf("stand-in accepted %d messages, want 2", got)
	}

	// A malformed id is refused before any request and never retried.
	n3 := n2
	n3.OrderID, n3.Milestone = n.OrderID+"-c", order.MilestoneDelivered
	if err := r.svc.Notify(t.Context(), n3); !notify.IsPermanent(err) {
		t.Fatalf("malformed template id: err = %v, want permanent", err)
	}
	if st := r.status(t, n3.OrderID); st != notify.StatusFailed || len(r.sg.Messages()) != 2 {
		t.Errorf("malformed template id: status %s, %d messages", st, len(r.sg.Messages()))
	}
}
