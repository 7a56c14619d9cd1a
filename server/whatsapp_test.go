package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/notify/whatsapp"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/telemetry"
)

const (
	waToken     = "EAAJB-server-test"
	waNumberID  = "106540352242922"
	waSecret    = "app-secret-current"
	waOldSecret = "app-secret-before-the-rotation"
	waVerify    = "verify-token-of-the-subscription"
)

// whatsappReceipts is the HTTP app and a notify service whose WhatsApp goes through a Cloud
// API stand-in, so tests send a milestone and post Meta's signed webhooks about it.
type whatsappReceipts struct {
	e   *echo.Echo
	svc *notify.Service
	wa  *providertest.WhatsApp
	old *providertest.WhatsApp // signs with the previous app secret
	log *notify.Log
}

func newWhatsAppReceipts(t *testing.T) *whatsappReceipts { return newWhatsApp(t, false) }

// newWhatsApp is newWhatsAppReceipts, with the server also sending through the Cloud API (the
// answers to customers' texts) when sending is set.
func newWhatsApp(t *testing.T, sending bool) *whatsappReceipts {
	t.Helper()
	wa := providertest.NewWhatsApp(t, waToken, waNumberID, waSecret)
	wa.Approve("order_shipped", "en", 4)
	settings := map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin", "SHIPFLOW_PUBLIC_URL": publicURL, "SHIPFLOW_TRACKING_SECRET": trackingSecret,
		"WHATSAPP_CLOUD_APP_SECRET": waSecret, "WHATSAPP_CLOUD_APP_SECRET_PREVIOUS": waOldSecret, "WHATSAPP_CLOUD_VERIFY_TOKEN": waVerify}
	if sending {
		settings["WHATSAPP_CLOUD_ACCESS_TOKEN"], settings["WHATSAPP_CLOUD_PHONE_NUMBER_ID"], settings["WHATSAPP_CLOUD_API_URL"] = waToken, waNumberID, wa.URL()
	}
	cfg, err := config.Load("test", nil, func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	log := notify.NewLog(testenv.DB(t))
	e := New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.Logger(t), Metrics: m, Notifications: log})
	set, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	sender := whatsapp.New(whatsapp.Config{AccessToken: waToken, PhoneNumberID: waNumberID, APIURL: wa.URL()}, &http.Client{Timeout: 5 * time.Second})
	svc := &notify.Service{Log: log, Templates: set, Logger: testenv.QuietLogger(), PublicURL: publicURL, TrackingSecret: trackingSecret,
		Senders:        map[order.Channel]notify.Sender{order.ChannelWhatsApp: sender},
		CloudTemplates: map[order.Milestone]notify.CloudTemplateRef{order.MilestoneShipped: {Name: "order_shipped", Language: "en", Parameters: 4}}}
	return &whatsappReceipts{e: e, svc: svc, wa: wa, old: providertest.NewWhatsApp(t, waToken, waNumberID, waOldSecret), log: log}
}

// send notifies a milestone by WhatsApp to phone and returns the request and what Meta accepted.
func (r *whatsappReceipts) send(t *testing.T, milestone order.Milestone, phone string) (notify.Request, providertest.WhatsAppMessage) {
	t.Helper()
	n := notify.Request{
		OrderID: fmt.Sprintf("wa-%d", time.Now().UnixNano()), Milestone: milestone, ShipmentID: "S1", Channel: order.ChannelWhatsApp,
		Customer:  order.Customer{Name: "Ona Petraitė", Phone: phone, Locale: "en"},
		Shipments: []notify.Shipment{{ID: "S1", Carrier: "dpd", TrackingNumber: "05212345678901", Status: order.ShipmentInTransit}},
	}
	if err := r.svc.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	msgs := r.wa.Messages()
	return n, msgs[len(msgs)-1]
}

func (r *whatsappReceipts) entry(t *testing.T, orderID string) notify.Entry {
	t.Helper()
	es, err := r.log.ForOrder(context.Background(), orderID)
	if err != nil || len(es) != 1 {
		t.Fatalf("log: %v %v", es, err)
	}
	return es[0]
}

// post posts body signed with sig (none when empty).
func (r *whatsappReceipts) post(body []byte, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(whatsapp.SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func TestWhatsAppCloudStatuses(t *testing.T) {
	r := newWhatsAppReceipts(t)
	n, m := r.send(t, order.MilestoneShipped, "+37060000201")
	// The template as Meta took it: shipflow's four variables, the same as Twilio's.
	if m.Type != "template" || m.Template != "order_shipped" || m.Language != "en" || len(m.Parameters) != 4 ||
		m.Parameters[0] != "Ona" || m.Parameters[1] != n.OrderID || m.Parameters[2] != "DPD" || !strings.HasPrefix(m.Parameters[3], publicURL) {
		t.Fatalf("Meta accepted %+v", m)
	}
	if e := r.entry(t, n.OrderID); e.Provider != whatsapp.Provider || e.ProviderMessageID != m.ID || e.Status != notify.StatusSent {
		t.Fatalf("log after the send: %+v", e)
	}
	// Delivered then read; a late "sent" does not undo delivery.
	for _, step := range []struct {
		status string
		want   notify.Status
	}{{whatsapp.StatusDelivered, notify.StatusDelivered}, {whatsapp.StatusRead, notify.StatusDelivered}, {whatsapp.StatusSent, notify.StatusDelivered}} {
		body := r.wa.StatusWebhook(m, step.status)
		if rec := r.post(body, r.wa.SignWebhook(body)); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", step.status, rec.Code, rec.Body)
		}
		if st := r.entry(t, n.OrderID).Status; st != step.want {
			t.Errorf("after %s: %s, want %s", step.status, st, step.want)
		}
	}
	// A text outside the 24-hour window fails later, in a status signed with the previous
	// secret during a rotation.
	n, m = r.send(t, order.MilestoneDelivered, "+37060000202")
	if m.Type != "text" || m.Text == "" {
		t.Fatalf("a milestone without a template: %+v", m)
	}
	body := r.old.StatusWebhook(m, whatsapp.StatusFailed, whatsapp.CodeReEngagement)
	if rec := r.post(body, r.old.SignWebhook(body)); rec.Code != http.StatusOK {
		t.Fatalf("failed, previous secret: %d %s", rec.Code, rec.Body)
	}
	if e := r.entry(t, n.OrderID); e.Status != notify.StatusFailed || e.Error != "whatsapp error 131047: Re-engagement message" {
		t.Errorf("after a failed status: %s %q", e.Status, e.Error)
	}
}

func TestWhatsAppCloudWebhookRefusals(t *testing.T) {
	r := newWhatsAppReceipts(t)
	n, m := r.send(t, order.MilestoneShipped, "+37060000203")
	other := providertest.NewWhatsApp(t, waToken, waNumberID, "someone else's secret")
	body := r.wa.StatusWebhook(m, whatsapp.StatusFailed, whatsapp.CodeUndeliverable)
	tampered := []byte(strings.Replace(string(body), `"failed"`, `"read"`, 1))
	nul := r.wa.StatusWebhook(providertest.WhatsAppMessage{ID: "wamid.a\x00b", To: m.To}, whatsapp.StatusRead)
	big := []byte(`{"object":"` + strings.Repeat("a", 2<<20) + `"}`)
	for name, tc := range map[string]struct {
		body []byte
		sig  string
		want int
		code string
	}{
		"no signature":     {body, "", http.StatusUnauthorized, codeUnauthorized},
		"another secret":   {body, other.SignWebhook(body), http.StatusUnauthorized, codeUnauthorized},
		"altered body":     {tampered, r.wa.SignWebhook(body), http.StatusUnauthorized, codeUnauthorized},
		"sha1":             {body, "sha1=" + r.wa.SignWebhook(body)[7:47], http.StatusUnauthorized, codeUnauthorized},
		"2 MiB":            {big, r.wa.SignWebhook(big), http.StatusRequestEntityTooLarge, codeTooLarge},
		"not JSON, signed": {[]byte("a=b"), r.wa.SignWebhook([]byte("a=b")), http.StatusBadRequest, codeInvalidJSON},
		"a NUL in the id":  {nul, r.wa.SignWebhook(nul), http.StatusBadRequest, codeInvalidField},
	} {
		rec := r.post(tc.body, tc.sig)
		var eb struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if rec.Code != tc.want || json.Unmarshal(rec.Body.Bytes(), &eb) != nil || eb.Error.Code != tc.code || eb.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", name, rec.Code, rec.Body, tc.want, tc.code)
		}
	}
	if st := r.entry(t, n.OrderID).Status; st != notify.StatusSent {
		t.Errorf("after the refusals: %s, want sent", st)
	}
}

func TestWhatsAppCloudStopStart(t *testing.T) {
	r := newWhatsAppReceipts(t)
	ctx := context.Background()
	// A number of its own: opt-outs outlive the test, and the package shares one database.
	phone := fmt.Sprintf("+3706%07d", time.Now().UnixNano()%10_000_000)
	for _, step := range []struct {
		text string
		out  bool
	}{{"Where is my parcel?", false}, {" stop ", true}, {"thanks", true}, {"START", false}} {
		body := r.wa.TextWebhook(phone[1:], step.text)
		if rec := r.post(body, r.wa.SignWebhook(body)); rec.Code != http.StatusOK {
			t.Fatalf("%q: %d %s", step.text, rec.Code, rec.Body)
		}
		if out, err := r.log.OptedOut(ctx, string(order.ChannelWhatsApp), phone); err != nil || out != step.out {
			t.Errorf("after %q: opted out %v %v, want %v", step.text, out, err, step.out)
		}
		if out, _ := r.log.OptedOut(ctx, string(order.ChannelSMS), phone); out {
			t.Errorf("after %q: opted out of SMS too", step.text)
		}
	}
	body := r.wa.TextWebhook(phone[1:], "STOP")
	r.post(body, r.wa.SignWebhook(body))
	before := len(r.wa.Messages())
	req := notify.Request{OrderID: fmt.Sprintf("wa-stop-%d", time.Now().UnixNano()), Milestone: order.MilestoneShipped, ShipmentID: "S1",
		Channel: order.ChannelWhatsApp, Customer: order.Customer{Name: "Ona", Phone: phone, Locale: "en"}}
	if err := r.svc.Notify(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st := r.entry(t, req.OrderID).Status; st != notify.StatusSuppressed || len(r.wa.Messages()) != before {
		t.Errorf("after STOP: %s, want suppressed and nothing sent", st)
	}
}

func TestWhatsAppCloudSubscribe(t *testing.T) {
	r := newWhatsAppReceipts(t)
	get := func(e *echo.Echo, query string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?"+query, nil))
		return rec
	}
	rec := get(r.e, "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="+waVerify)
	if rec.Code != http.StatusOK || rec.Body.String() != "1158201444" {
		t.Errorf("handshake: %d %q", rec.Code, rec.Body)
	}
	for query, want := range map[string]int{
		"hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess":                           http.StatusForbidden,
		"hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=" + waVerify:          http.StatusBadRequest,
		"hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=" + waVerify:                   http.StatusBadRequest,
		"hub.mode=subscribe&hub.verify_token=" + waVerify:                                     http.StatusBadRequest,
		"hub.mode=subscribe&hub.challenge=1&hub.verify_token=" + waVerify + "%00":             http.StatusForbidden,
		"hub.mode=subscribe&hub.challenge=" + strings.Repeat("9", 100) + "&hub.verify_token=": http.StatusForbidden,
	} {
		if rec := get(r.e, query); rec.Code != want {
			t.Errorf("%s: %d %s, want %d", query, rec.Code, rec.Body, want)
		}
	}
	off := newReceipts(t) // no WHATSAPP_CLOUD_* secrets
	if rec := get(off.e, "hub.mode=subscribe&hub.challenge=1&hub.verify_token="); rec.Code != http.StatusNotFound {
		t.Errorf("handshake switched off: %d, want 404", rec.Code)
	}
	rec = httptest.NewRecorder()
	off.e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", strings.NewReader(`{}`)))
	if rec.Code != http.StatusNotFound {
		t.Errorf("webhook switched off: %d, want 404", rec.Code)
	}
}

// TestWhatsAppCloudTextAnswered: a customer's question through the Cloud API is answered with
// their order's status as a WhatsApp text through the Cloud API, once, however often Meta
// posts the webhook; an answer that could not be sent for now is sent on Meta's retry.
func TestWhatsAppCloudTextAnswered(t *testing.T) {
	r := newWhatsApp(t, true)
	phone := fmt.Sprintf("+3706%07d", time.Now().UnixNano()%10_000_000)
	id := fmt.Sprintf("wa-2way-%d", time.Now().UnixNano())
	project(t, id, phone, "en", order.StatusInTransit, time.Now().Add(-time.Hour))
	to := func() []providertest.WhatsAppMessage {
		var out []providertest.WhatsAppMessage
		for _, m := range r.wa.Messages() {
			if m.To == phone[1:] {
				out = append(out, m)
			}
		}
		return out
	}
	body := r.wa.TextWebhook(phone[1:], "where is my parcel?")
	for range 2 { // Meta posts again: nothing more is sent
		if rec := r.post(body, r.wa.SignWebhook(body)); rec.Code != http.StatusOK {
			t.Fatalf("text: %d %s", rec.Code, rec.Body)
		}
	}
	got := to()
	if len(got) != 1 || got[0].Type != "text" || !strings.Contains(got[0].Text, id) || strings.Contains(got[0].Text, "where is my parcel") {
		t.Fatalf("sent %+v, want one text naming the order and not echoing the question", got)
	}

	r.wa.Down(0)
	second := fmt.Sprintf("+3706%07d", (time.Now().UnixNano()+1)%10_000_000)
	project(t, id+"-b", second, "en", order.StatusInTransit, time.Now().Add(-time.Hour))
	body = r.wa.TextWebhook(second[1:], "any news?")
	if rec := r.post(body, r.wa.SignWebhook(body)); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code"`) {
		t.Fatalf("provider down: %d %s, want 503 in the error shape so Meta posts again", rec.Code, rec.Body)
	}
	r.wa.Up()
	if rec := r.post(body, r.wa.SignWebhook(body)); rec.Code != http.StatusOK {
		t.Fatalf("Meta's retry: %d %s", rec.Code, rec.Body)
	}
	n := 0
	for _, m := range r.wa.Messages() {
		if m.To == second[1:] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("after the retry %d answers, want 1", n)
	}
}
