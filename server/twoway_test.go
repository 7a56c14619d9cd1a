package server

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/tracklink"
)

// texts is the HTTP app answering customers' texts over this package's Postgres, with the
// read model filled by db.SaveOrder as the projection fills it.
type texts struct {
	e   *echo.Echo
	log *notify.Log
}

func newTexts(t testing.TB, env map[string]string) *texts {
	t.Helper()
	base := map[string]string{"SHIPFLOW_ADMIN_TOKENS": "admin", "TWILIO_AUTH_TOKEN": twilioToken,
		"SHIPFLOW_PUBLIC_URL": publicURL, "SHIPFLOW_TRACKING_SECRET": trackingSecret}
	maps.Copy(base, env)
	cfg, err := config.Load("test", nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	m, _ := telemetry.NewMetrics()
	log := notify.NewLog(testenv.DB(t))
	e := New(Deps{Config: cfg, DB: testenv.DB(t), Temporal: testenv.Temporal(t), Logger: testenv.QuietLogger(), Metrics: m, Notifications: log})
	return &texts{e: e, log: log}
}

// phoneSeq makes each test's numbers its own: the package's tests share one database.
var phoneSeq atomic.Int64

func uniquePhone() string {
	return fmt.Sprintf("+3706%07d", (time.Now().UnixNano()/1000+phoneSeq.Add(1))%10_000_000)
}

var sidSeq atomic.Int64

func newSID() string { return fmt.Sprintf("SM%032x", time.Now().UnixNano()+sidSeq.Add(1)) }

// text posts an inbound message from `from` (signed as Twilio signs it) and returns the
// status, the messages of the TwiML answer, and the raw body.
func (x *texts) text(t testing.TB, from, sid, body string, extra ...string) (int, []string, string) {
	t.Helper()
	form := url.Values{"From": {from}, "To": {"+15005550006"}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {twilioSID}, "NumMedia": {"0"}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/twilio/inbound", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", providertest.TwilioSignature(twilioToken, publicURL+"/webhooks/twilio/inbound", form))
	rec := httptest.NewRecorder()
	x.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return rec.Code, nil, rec.Body.String()
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("answer content type %q, want text/xml", ct)
	}
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("TwiML %q: %v", rec.Body.String(), err)
	}
	return rec.Code, doc.Messages, rec.Body.String()
}

// answer is text that expects one message back.
func (x *texts) answer(t testing.TB, from, body string) string {
	t.Helper()
	code, msgs, raw := x.text(t, from, newSID(), body)
	if code != http.StatusOK || len(msgs) != 1 {
		t.Fatalf("%s texted %q: %d %s, want one message", from, body, code, raw)
	}
	return msgs[0]
}

// project writes order id to the read model: in transit with one DPD parcel due in two days,
// for a customer with phone and locale, created at created.
func project(t testing.TB, id, phone, locale string, st order.Status, created time.Time) order.View {
	t.Helper()
	eta := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	v := order.View{
		OrderID: id, Status: st, CreatedAt: created, UpdatedAt: created,
		Customer: order.Customer{Name: "Ona", Phone: phone, Locale: locale, TimeZone: "Europe/Vilnius"},
		Items:    []order.Item{{SKU: "BOOT-1", Name: "Boots", Quantity: 1}},
		Shipments: []order.ShipmentView{{
			ShipmentID: "S1", Carrier: "DPD", TrackingNumber: "TW" + id, Status: order.ShipmentInTransit,
			LastLocation: &order.Location{City: "KAUNAS", Country: "LT"}, EstimatedDelivery: &eta, ShippedAt: created,
			Items: []string{"BOOT-1"},
		}},
	}
	if st == order.StatusDelivered {
		v.Shipments[0].Status, v.Shipments[0].DeliveredAt, v.DeliveredAt = order.ShipmentDelivered, &created, &created
	}
	if _, err := db.SaveOrder(context.Background(), testenv.DB(t), db.Snapshot{Revision: 1, View: v}); err != nil {
		t.Fatal(err)
	}
	return v
}

func (x *texts) replies(t testing.TB, orderID string) []notify.Entry {
	t.Helper()
	es, err := x.log.ForOrder(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []notify.Entry
	for _, e := range es {
		if e.Milestone == notify.MilestoneReply {
			out = append(out, e)
		}
	}
	return out
}

// TestTextAnsweredWithTheOrdersStatus: a customer texts a question from the number on their
// order and reads back its status, parcel and tracking link, never their own words; the answer
// is in the notification log; Twilio's retry of the same message gets the same answer and
// writes nothing more.
func TestTextAnsweredWithTheOrdersStatus(t *testing.T) {
	x := newTexts(t, nil)
	phone, id := uniquePhone(), textOrderID("tw")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().Add(-time.Hour).UTC())

	sid := newSID()
	question := "where is my parcel? <b>&amp;</b>"
	code, msgs, raw := x.text(t, phone, sid, question)
	if code != http.StatusOK || len(msgs) != 1 {
		t.Fatalf("question: %d %s", code, raw)
	}
	reply := msgs[0]
	link := tracklink.URL(publicURL, trackingSecret, id)
	for _, want := range []string{"Order " + id + ": In Transit.", "DPD: In Transit, last seen in Kaunas, arriving", "Track it: " + link} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply)
		}
	}
	if strings.Contains(reply, "parcel?") || strings.Contains(raw, "<b>") {
		t.Errorf("the customer's text came back: %s", raw)
	}
	rows := x.replies(t, id)
	if len(rows) != 1 {
		t.Fatalf("log rows %+v, want one reply", rows)
	}
	if r := rows[0]; r.Channel != "sms" || r.To != phone || r.Status != notify.StatusSent || r.Provider != "twilio" ||
		r.Body != reply || r.Template != "reply" || r.Locale != "en" {
		t.Errorf("log row %+v", r)
	}

	// Twilio retries a webhook it got no answer to in time: same MessageSid, same answer.
	code, again, _ := x.text(t, phone, sid, question)
	if code != http.StatusOK || len(again) != 1 || again[0] != reply {
		t.Errorf("retry: %d %q, want the first reply", code, again)
	}
	if rows := x.replies(t, id); len(rows) != 1 {
		t.Errorf("a retry wrote %d log rows", len(rows))
	}
}

// TestTextFromANumberOnNoOrder gets the one fixed line, in the sender's country's language
// where shipflow writes it, and nothing of any order.
func TestTextFromANumberOnNoOrder(t *testing.T) {
	x := newTexts(t, nil)
	other, id := uniquePhone(), textOrderID("tw-other")
	project(t, id, other, "en", order.StatusInTransit, time.Now().UTC())

	reply := x.answer(t, uniquePhone(), "where is my parcel?")
	if !strings.HasPrefix(reply, "We couldn't find an order for this number.") || strings.Contains(reply, "Order") || strings.Contains(reply, "/track/") {
		t.Errorf("unknown number: %q", reply)
	}
	_, msgs, _ := x.text(t, uniquePhone(), newSID(), "kur mano siunta?", "FromCountry", "LT")
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Pagal šį numerį užsakymo neradome.") {
		t.Errorf("unknown Lithuanian number: %q", msgs)
	}
	// A short code or sender id is on no order either.
	if reply := x.answer(t, "MyShop", "hello"); !strings.HasPrefix(reply, "We couldn't find") {
		t.Errorf("sender id: %q", reply)
	}
}

// TestTextSeveralOrders: a number with four open orders hears of the newest three and how
// many there are; a finished order is told only when none is open, and only while recent.
func TestTextSeveralOrders(t *testing.T) {
	x := newTexts(t, nil)
	phone, now := uniquePhone(), time.Now().UTC()
	var ids []string
	for i := range 4 {
		id := textOrderID(fmt.Sprintf("tw-many%d", i))
		project(t, id, phone, "en", order.StatusInTransit, now.Add(time.Duration(i-10)*time.Minute))
		ids = append(ids, id)
	}
	project(t, textOrderID("tw-done"), phone, "en", order.StatusDelivered, now.Add(-time.Hour))
	reply := x.answer(t, phone, "status")
	if !strings.HasPrefix(reply, "You have 4 open orders; here are the latest 3.") {
		t.Errorf("reply: %s", reply)
	}
	last := -1
	for i, id := range []string{ids[3], ids[2], ids[1]} {
		at := strings.Index(reply, "Order "+id+":")
		if at < 0 || at < last {
			t.Errorf("order %d (%s) missing or out of order in:\n%s", i, id, reply)
		}
		last = at
		if n := len(x.replies(t, id)); n != 1 {
			t.Errorf("order %s has %d reply rows", id, n)
		}
	}
	if strings.Contains(reply, ids[0]) || len(x.replies(t, ids[0])) != 0 {
		t.Errorf("the oldest open order was told or logged")
	}

	recent, old := uniquePhone(), uniquePhone()
	delivered := textOrderID("tw-recent")
	project(t, delivered, recent, "lt-LT", order.StatusDelivered, now.Add(-48*time.Hour))
	if reply := x.answer(t, recent, "?"); !strings.HasPrefix(reply, "Užsakymas "+delivered+": Pristatytas.") {
		t.Errorf("recently delivered, Lithuanian: %s", reply)
	}
	project(t, textOrderID("tw-old"), old, "en", order.StatusDelivered, now.Add(-30*24*time.Hour))
	if reply := x.answer(t, old, "?"); !strings.HasPrefix(reply, "We couldn't find") {
		t.Errorf("delivered a month ago: %s", reply)
	}
}

// TestTextOverWhatsApp: a WhatsApp From ("whatsapp:+...") is the same number; its answer is
// logged on the whatsapp channel and counted apart from SMS.
func TestTextOverWhatsApp(t *testing.T) {
	x := newTexts(t, nil)
	phone, id := uniquePhone(), textOrderID("tw-wa")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().UTC())
	if reply := x.answer(t, "whatsapp:"+phone, "where is it?"); !strings.Contains(reply, "Order "+id+":") {
		t.Errorf("whatsapp: %s", reply)
	}
	if reply := x.answer(t, phone, "and by sms?"); !strings.Contains(reply, "Order "+id+":") {
		t.Errorf("sms after whatsapp: %s", reply)
	}
	rows := x.replies(t, id)
	if len(rows) != 2 || rows[0].Channel != "whatsapp" || rows[1].Channel != "sms" || rows[0].To != phone {
		t.Errorf("log rows: %+v", rows)
	}
}

// TestTextRateLimit: a number texting a burst, even all at once across requests, is answered
// once per interval and then gets empty TwiML; Postgres counts, so replicas agree.
func TestTextRateLimit(t *testing.T) {
	x := newTexts(t, map[string]string{"SHIPFLOW_TWO_WAY_INTERVAL": "2s"})
	// A second replica over the same database.
	y := newTexts(t, map[string]string{"SHIPFLOW_TWO_WAY_INTERVAL": "2s"})
	phone, id := uniquePhone(), textOrderID("tw-burst")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().UTC())

	var answered atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		replica := x
		if i%2 == 1 {
			replica = y
		}
		wg.Go(func() {
			code, msgs, raw := replica.text(t, phone, newSID(), fmt.Sprintf("where? %d", i))
			if code != http.StatusOK || len(msgs) > 1 {
				t.Errorf("burst text: %d %s", code, raw)
			}
			answered.Add(int64(len(msgs)))
		})
	}
	wg.Wait()
	if n := answered.Load(); n != 1 {
		t.Errorf("%d of 40 texts answered within the interval, want 1", n)
	}
	if n := len(x.replies(t, id)); n != 1 {
		t.Errorf("%d reply rows, want 1", n)
	}
	time.Sleep(2100 * time.Millisecond)
	if reply := x.answer(t, phone, "and now?"); !strings.Contains(reply, id) {
		t.Errorf("after the interval: %s", reply)
	}
}

// TestTextConsentWordsStillWork: STOP and START change consent and are not answered with a
// status; a number that opted out still gets an answer to a question it asks.
func TestTextConsentWordsStillWork(t *testing.T) {
	x := newTexts(t, nil)
	phone, id := uniquePhone(), textOrderID("tw-stop")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().UTC())
	ctx := context.Background()
	if code, msgs, _ := x.text(t, phone, newSID(), " stop "); code != http.StatusOK || len(msgs) != 0 {
		t.Fatalf("STOP: %d %q", code, msgs)
	}
	if out, _ := x.log.OptedOut(ctx, "sms", phone); !out {
		t.Error("STOP did not opt the number out")
	}
	if reply := x.answer(t, phone, "where is my parcel?"); !strings.Contains(reply, id) {
		t.Errorf("opted out, asking: %s", reply)
	}
	if code, msgs, _ := x.text(t, phone, newSID(), "START"); code != http.StatusOK || len(msgs) != 0 {
		t.Fatalf("START: %d %q", code, msgs)
	}
	if out, _ := x.log.OptedOut(ctx, "sms", phone); out {
		t.Error("START did not opt the number back in")
	}
}

// TestTextTwoWayOff: with SHIPFLOW_TWO_WAY off a question is acknowledged and ignored, as
// before two-way texts.
func TestTextTwoWayOff(t *testing.T) {
	x := newTexts(t, map[string]string{"SHIPFLOW_TWO_WAY": "false"})
	phone, id := uniquePhone(), textOrderID("tw-off")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().UTC())
	if code, msgs, raw := x.text(t, phone, newSID(), "where?"); code != http.StatusOK || len(msgs) != 0 {
		t.Errorf("two-way off: %d %s", code, raw)
	}
	if n := len(x.replies(t, id)); n != 0 {
		t.Errorf("two-way off logged %d replies", n)
	}
}

// TestTextHostileBodies: what no phone sends is refused with the API's 400 before anything
// is looked up or written; what phones do send (line breaks, any script, emoji) is answered.
func TestTextHostileBodies(t *testing.T) {
	x := newTexts(t, map[string]string{"SHIPFLOW_TWO_WAY_INTERVAL": "1ns"})
	phone, id := uniquePhone(), textOrderID("tw-hostile")
	project(t, id, phone, "en", order.StatusInTransit, time.Now().UTC())
	for name, body := range map[string]string{
		"NUL":          "where\x00is it",
		"escape":       "\x1b[31mred",
		"bidi":         "abc\u202edcba",
		"invalid utf8": "\xff\xfe",
		"10 kB":        strings.Repeat("where is my parcel ", 540),
	} {
		code, _, raw := x.text(t, phone, newSID(), body)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if code != http.StatusBadRequest || json.Unmarshal([]byte(raw), &e) != nil || e.Error.Code == "" || strings.Contains(raw, "\x00") {
			t.Errorf("%s: %d %s, want a 400 in the API's error shape", name, code, raw)
		}
	}
	if code, _, raw := x.text(t, phone, "", "where?"); code != http.StatusBadRequest {
		t.Errorf("no MessageSid: %d %s", code, raw)
	}
	if code, _, raw := x.text(t, phone, "SM<script>", "where?"); code != http.StatusBadRequest {
		t.Errorf("hostile MessageSid: %d %s", code, raw)
	}
	if n := len(x.replies(t, id)); n != 0 {
		t.Fatalf("refused texts logged %d replies", n)
	}
	for _, body := range []string{"Kur mano siunta? 📦", "line one\r\nline two\tend", "", strings.Repeat("ą", 1600)} {
		if reply := x.answer(t, phone, body); !strings.Contains(reply, id) || (body != "" && strings.Contains(reply, body)) {
			t.Errorf("%q: %s", body, reply)
		}
	}
}

// BenchmarkTextAnswer measures an answered text through the HTTP handler: the signature, the
// lookup of the number's orders, the limit, the log rows, the TwiML.
func BenchmarkTextAnswer(b *testing.B) {
	x := newTexts(b, map[string]string{"SHIPFLOW_TWO_WAY_INTERVAL": "1ns"})
	phone, id := uniquePhone(), textOrderID("tw-bench")
	project(b, id, phone, "en", order.StatusInTransit, time.Now().UTC())
	b.ResetTimer()
	for b.Loop() {
		code, msgs, raw := x.text(b, phone, newSID(), "where is my parcel?")
		if code != http.StatusOK || len(msgs) != 1 || !bytes.Contains([]byte(msgs[0]), []byte(id)) {
			b.Fatalf("%d %s", code, raw)
		}
	}
}

var idSeq atomic.Int64

func textOrderID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), idSeq.Add(1))
}
