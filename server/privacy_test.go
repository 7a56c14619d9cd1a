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
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/privacy"
	"github.com/shipflow/shipflow/server"
	"github.com/shipflow/shipflow/signature"
	"github.com/shipflow/shipflow/telemetry"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// privacyHarness is a server and a worker of their own task queue on the package's Postgres
// and Temporal; orders are started on the workflows directly, and every other table is seeded
// as its writers would.
type privacyHarness struct {
	url  string
	pool *pgxpool.Pool
	c    client.Client
	tq   string
}

func newPrivacyHarness(t *testing.T) *privacyHarness {
	t.Helper()
	pool, c := testenv.DB(t), testenv.Temporal(t)
	tq := "privacy-" + t.Name()
	w := sdkworker.New(c, tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{DB: pool, Temporal: c, Notifier: &notes{sent: map[string][]string{}},
		Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	cfg, err := config.Load("test", nil, func(k string) string {
		return map[string]string{
			"SHIPFLOW_ADMIN_TOKENS":    "admin",
			"SHOPIFY_WEBHOOK_SECRET":   shopifySecret,
			"SHIPFLOW_TRACKING_SECRET": "privacy-test-tracking-secret",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Temporal.TaskQueue = tq
	m, _ := telemetry.NewMetrics()
	srv := httptest.NewServer(server.New(server.Deps{Config: cfg, DB: pool, Temporal: c, Logger: testenv.Logger(t),
		Metrics: m, Inbox: inbox.New(pool)}))
	t.Cleanup(srv.Close)
	return &privacyHarness{url: srv.URL, pool: pool, c: c, tq: tq}
}

// customer is one person's details as orders carry them; each test has its own.
type customer struct {
	name, email, phone string
}

func (p *privacyHarness) created(id string, cu customer, origin order.Origin) order.CommerceEvent {
	return order.CommerceEvent{
		ID: "created-" + id, Type: order.EventCreated, Timestamp: time.Now().UTC().Add(-time.Hour), OrderID: id,
		Customer:        &order.Customer{Name: cu.name, Email: cu.email, Phone: cu.phone, Locale: "lt-LT", TimeZone: "Europe/Vilnius"},
		Notify:          []order.Channel{order.ChannelSMS, order.ChannelEmail},
		Items:           []order.Item{{SKU: "A", Name: "Mug", Quantity: 1}},
		ShippingAddress: &order.Address{Name: cu.name, Line1: "Gedimino pr. 9", City: "Vilnius", Country: "LT"},
		Origin:          origin,
	}
}

// start starts an order and waits for its read model row; done cancels it and waits for its
// workflow to finish.
func (p *privacyHarness) start(t *testing.T, id string, cu customer, origin order.Origin, done bool) {
	t.Helper()
	ctx := context.Background()
	e := p.created(id, cu, origin)
	if _, err := workflows.StartOrder(ctx, p.c, p.tq, e, workflows.OrderSettings{ReviewRequestDelay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	ship := order.CommerceEvent{ID: "ship-" + id, Type: order.EventShipped, Timestamp: time.Now().UTC(), OrderID: id,
		Shipment: &order.ShipmentInfo{ID: "S1", Carrier: "dpd", TrackingNumber: "PRIV" + strings.ToUpper(strings.ReplaceAll(id, "-", ""))}}
	if done {
		ship = order.CommerceEvent{ID: "cancel-" + id, Type: order.EventCancelled, Timestamp: time.Now().UTC(), OrderID: id,
			Reason: cu.name + " asked by phone " + cu.phone}
	}
	if err := workflows.SignalCommerce(ctx, p.c, ship); err != nil {
		t.Fatal(err)
	}
	if _, err := workflows.RequestHuman(ctx, p.c, id, order.HumanRequest{ID: "call-" + id, Reason: "call me on " + cu.phone, At: time.Now().UTC()}); err != nil && !done {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() bool {
		v, _, err := db.GetOrder(ctx, p.pool, id)
		if err != nil || len(v.Timeline) < 2 {
			return false
		}
		_, running, err := workflows.Running(ctx, p.c, id)
		return err == nil && running != done
	}, "order %s projected (done %v)", id, done)
}

// seed writes what the other writers keep about cu's order id: a notification per channel, an
// inbox delivery, a voice answer, a two-way text, an opt-out and audit entries.
func (p *privacyHarness) seed(t *testing.T, id string, cu customer) {
	t.Helper()
	ctx := context.Background()
	ex := p.pool
	for _, n := range []struct{ ch, to string }{{"sms", cu.phone}, {"email", cu.email}} {
		if _, err := ex.Exec(ctx, `INSERT INTO notifications (idempotency_key, order_id, milestone, channel, "to", template, body, status)
			VALUES ($1, $2, 'order_confirmed', $3, $4, 'confirmed', $5, 'sent')`, id+"/"+n.ch, id, n.ch, n.to,
			"Hello "+cu.name+", your order "+id+" is confirmed"); err != nil {
			t.Fatal(err)
		}
	}
	d := inbox.Delivery{Source: inbox.SourceCommerce, EventID: "in-" + id, Commerce: []order.CommerceEvent{p.created(id, cu, "")}}
	if _, err := ex.Exec(ctx, `INSERT INTO inbound_events (source, event_id, status, delivery, order_id) VALUES ($1, $2, 'applied', $3, $4)`,
		d.Source, d.EventID, d, id); err != nil {
		t.Fatal(err)
	}
	answer, _ := json.Marshal(map[string]any{"order_id": id, "spoken": cu.name + ", your parcel is on its way", "caller": cu.phone})
	if _, err := ex.Exec(ctx, `INSERT INTO voice_answers (key, answer, expires_at) VALUES ($1, $2, now() + interval '1 day')`, "memo-"+id, answer); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Exec(ctx, `INSERT INTO inbound_texts (provider, message_id, channel, address, reply) VALUES ('twilio', $1, 'sms', $2, $3)`,
		"SM-"+id, cu.phone, "Order "+id+" is on its way"); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Exec(ctx, `INSERT INTO opt_outs (channel, address, source) VALUES ('email', $1, 'unsubscribe') ON CONFLICT DO NOTHING`, order.NormalEmail(cu.email)); err != nil {
		t.Fatal(err)
	}
	for _, e := range []audit.Entry{
		{Actor: "staff", Via: "console", Action: audit.ActionReadOrder, Subject: id, OrderID: id},
		{Actor: "staff", Via: "console", Action: audit.ActionListOrders, Subject: cu.email},
	} {
		if err := audit.Append(ctx, ex, e); err != nil {
			t.Fatal(err)
		}
	}
}

// traces are the places any of terms is left in any text or jsonb column of any table of the
// schema, found through information_schema, so a table added later is looked at too.
func (p *privacyHarness) traces(t *testing.T, terms ...string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := p.pool.Query(ctx, `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Table, Column string }])
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 30 {
		t.Fatalf("only %d columns found: %v", len(cols), cols)
	}
	var found []string
	for _, col := range cols {
		for _, term := range terms {
			q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE position(lower($1) in lower(%s::text)) > 0`,
				pgx.Identifier{col.Table}.Sanitize(), pgx.Identifier{col.Column}.Sanitize())
			var n int
			if err := p.pool.QueryRow(ctx, q, term).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", col.Table, col.Column, err)
			}
			if n > 0 {
				found = append(found, fmt.Sprintf("%s.%s holds %q in %d row(s)", col.Table, col.Column, term, n))
			}
		}
	}
	return found
}

func (p *privacyHarness) call(t *testing.T, method, path string, body any, want int) []byte {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.url+path, r)
	req.Header.Set("Authorization", "Bearer admin")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, res.StatusCode, want, out)
	}
	return out
}

// waitDone polls a request until it is done.
func (p *privacyHarness) waitDone(t *testing.T, path string) privacy.Record {
	t.Helper()
	var r privacy.Record
	testenv.Eventually(t, 60*time.Second, func() bool {
		_ = json.Unmarshal(p.call(t, http.MethodGet, path, nil, http.StatusOK), &r)
		if r.Status == privacy.StatusFailed {
			t.Fatalf("%s failed: %s", path, r.Error)
		}
		return r.Status == privacy.StatusDone
	}, "%s done (last %+v)", path, testenv.Last(&r))
	return r
}

// TestPrivacyExportAndErase: a customer with a live order and a finished one, messages, inbox
// deliveries, a voice answer, a two-way text, an opt-out and audit entries. The export holds
// every one of those places; the erasure leaves neither the email nor the phone (nor the name)
// anywhere in the schema nor in the live workflow's answer, keeps the orders themselves, and
// leaves another customer's rows as they were.
func TestPrivacyExportAndErase(t *testing.T) {
	p := newPrivacyHarness(t)
	ona := customer{name: "Ona Privatienė", email: "Ona.Privatiene@Example.com", phone: "+37061234561"}
	other := customer{name: "Jonas Kitas", email: "jonas.kitas@example.com", phone: "+37061234562"}
	live, done, others := "priv-live-1", "priv-done-1", "priv-other-1"
	p.start(t, live, ona, "", false)
	p.start(t, done, ona, "", true)
	p.start(t, others, other, "", false)
	for id, cu := range map[string]customer{live: ona, done: ona, others: other} {
		p.seed(t, id, cu)
	}
	terms := []string{"ona.privatiene@example.com", "+37061234561", "37061234561", "Privatienė"}
	if len(p.traces(t, terms...)) == 0 {
		t.Fatal("the seed left no trace to erase")
	}

	// Export, by email: every place appears.
	var d privacy.Document
	if err := json.Unmarshal(p.call(t, http.MethodPost, "/v1/privacy/exports", map[string]string{"email": " ONA.privatiene@example.com "}, http.StatusOK), &d); err != nil {
		t.Fatal(err)
	}
	byID := map[string]privacy.OrderData{}
	for _, o := range d.Orders {
		byID[o.OrderID] = o
	}
	if len(d.Orders) != 2 || byID[live].Live == nil || byID[done].Live != nil || len(byID[done].Timeline) == 0 || len(byID[live].Shipments) != 1 || len(byID[live].Events) == 0 {
		t.Fatalf("export orders = %+v", d.Orders)
	}
	if byID[live].Live.Customer.Email != ona.email {
		t.Errorf("live answer = %+v", byID[live].Live.Customer)
	}
	for what, n := range map[string]int{"notifications": len(d.Notifications), "inbound events": len(d.InboundEvents), "voice answers": len(d.VoiceAnswers),
		"two-way texts": len(d.TwoWayTexts), "opt-outs": len(d.OptOuts), "audit": len(d.Audit)} {
		want := map[string]int{"notifications": 4, "inbound events": 2, "voice answers": 2, "two-way texts": 2, "opt-outs": 1}[what]
		if n < max(want, 1) {
			t.Errorf("export has %d %s, want %d", n, what, max(want, 1))
		}
	}
	doc, _ := json.Marshal(d)
	if strings.Contains(string(doc), other.email) {
		t.Error("the export holds another customer")
	}
	exports, _, err := audit.List(context.Background(), p.pool, audit.Filter{OrderID: live})
	if err != nil || !hasAction(exports, audit.ActionExport) {
		t.Errorf("no export audit entry on %s: %v", live, err)
	}

	// Erase, by phone in another form.
	var a struct{ ID, Status string }
	_ = json.Unmarshal(p.call(t, http.MethodPost, "/v1/privacy/erasures", map[string]string{"phone": "00370 612 34561"}, http.StatusAccepted), &a)
	if a.ID == "" || a.Status != "pending" || strings.Contains(a.ID, "34561") {
		t.Fatalf("erasure answer = %+v", a)
	}
	r := p.waitDone(t, "/v1/privacy/erasures/"+a.ID)
	if len(r.OrderIDs) != 2 {
		t.Errorf("erasure covered %v", r.OrderIDs)
	}
	if found := p.traces(t, terms...); len(found) > 0 {
		t.Errorf("traces left after erasure:\n%s", strings.Join(found, "\n"))
	}
	v, err := workflows.QueryOrder(context.Background(), p.c, live)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := json.Marshal(v)
	for _, term := range terms {
		if strings.Contains(strings.ToLower(string(answer)), strings.ToLower(term)) {
			t.Errorf("the live workflow's answer holds %q: %s", term, answer)
		}
	}
	if v.Status != order.StatusShipped || len(v.Shipments) != 1 {
		t.Errorf("the live order lost more than its customer: %+v", v)
	}
	if dv, _, err := db.GetOrder(context.Background(), p.pool, done); err != nil || dv.Status != order.StatusCancelled {
		t.Errorf("the finished order's row = %+v, %v", dv, err)
	}
	if found := p.traces(t, other.email, other.phone, "Kitas"); len(found) < 8 {
		t.Errorf("another customer's rows were touched: only %v left", found)
	}
	ov, _, _ := db.GetOrder(context.Background(), p.pool, others)
	if ov.Customer.Email != other.email || ov.ShippingAddress == nil {
		t.Errorf("another customer's order = %+v", ov.Customer)
	}
	erased, _, _ := audit.List(context.Background(), p.pool, audit.Filter{OrderID: done})
	if !hasAction(erased, audit.ActionErase) {
		t.Errorf("no erase audit entry on %s", done)
	}

	// The same erasure again runs again and finds nothing more to do.
	_ = json.Unmarshal(p.call(t, http.MethodPost, "/v1/privacy/erasures", map[string]string{"phone": "+37061234561"}, http.StatusAccepted), &a)
	p.waitDone(t, "/v1/privacy/erasures/"+a.ID)
}

func hasAction(es []audit.Entry, a audit.Action) bool {
	for _, e := range es {
		if e.Action == a {
			return true
		}
	}
	return false
}

// TestPrivacyRequestValidation: bodies the house rules refuse are 400s in the error shape.
func TestPrivacyRequestValidation(t *testing.T) {
	p := newPrivacyHarness(t)
	for name, body := range map[string]any{
		"empty":          map[string]string{},
		"not an email":   map[string]string{"email": "ona"},
		"national phone": map[string]string{"phone": "8 612 34567"},
		"NUL":            map[string]string{"email": "a\x00@b.lt"},
		"unknown field":  map[string]string{"name": "Ona"},
		"too long":       map[string]string{"email": strings.Repeat("a", 300) + "@b.lt"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/v1/privacy/exports", "/v1/privacy/erasures"} {
				out := p.call(t, http.MethodPost, path, body, http.StatusBadRequest)
				if !bytes.Contains(out, []byte(`"error"`)) {
					t.Errorf("%s: %s", path, out)
				}
			}
		})
	}
	p.call(t, http.MethodGet, "/v1/privacy/erasures/era_nothing", nil, http.StatusNotFound)
	p.call(t, http.MethodGet, "/v1/privacy/exports/bad%00id", nil, http.StatusBadRequest)
}

// shopify posts a compliance webhook signed as Shopify signs.
func (p *privacyHarness) shopify(t *testing.T, topic, webhookID, body string, want int) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/webhooks/shopify", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Webhook-Id", webhookID)
	req.Header.Set("X-Shopify-Shop-Domain", "ona-shop.myshopify.com")
	req.Header.Set("X-Shopify-Hmac-Sha256", signature.SignHMACBase64(shopifySecret, []byte(body)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s = %d, want %d: %s", topic, res.StatusCode, want, out)
	}
	var m map[string]string
	_ = json.Unmarshal(out, &m)
	return m
}

// TestShopifyCompliance: Shopify's three compliance topics, in the bodies Shopify documents,
// drive the same operations: a data request keeps an export for the merchant, a customer's
// redaction erases them and the orders named, a shop's redaction every Shopify order.
func TestShopifyCompliance(t *testing.T) {
	p := newPrivacyHarness(t)
	ona := customer{name: "Ona Šopifaitė", email: "ona.sopify@example.com", phone: "+37061234571"}
	rita := customer{name: "Rita Parduotuvienė", email: "rita.shop@example.com", phone: "+37061234572"}
	p.start(t, "7700001", ona, order.OriginShopify, false)
	p.start(t, "7700002", ona, order.OriginShopify, true)
	p.start(t, "7700003", rita, order.OriginShopify, false)
	p.seed(t, "7700001", ona)
	p.seed(t, "7700003", rita)

	// A signature that does not verify is 401, as Shopify requires.
	req, _ := http.NewRequest(http.MethodPost, p.url+"/webhooks/shopify", strings.NewReader(`{}`))
	req.Header.Set("X-Shopify-Topic", "customers/redact")
	req.Header.Set("X-Shopify-Hmac-Sha256", "bm9wZQ==")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned compliance webhook = %v, %v", res, err)
	}

	body := `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com","orders_requested":[7700001,7700002],"customer":{"id":191167,"email":"ona.sopify@example.com","phone":"+37061234571"},"data_request":{"id":9999}}`
	ack := p.shopify(t, "customers/data_request", "wh-data-1", body, http.StatusOK)
	again := p.shopify(t, "customers/data_request", "wh-data-1", body, http.StatusOK) // Shopify's retry
	if ack["request"] == "" || again["request"] != ack["request"] {
		t.Fatalf("data request acks %v, %v", ack, again)
	}
	p.waitDone(t, "/v1/privacy/exports/"+ack["request"])
	// A retry after it was done changes nothing: it is still done, not pending for ever.
	p.shopify(t, "customers/data_request", "wh-data-1", body, http.StatusOK)
	var rec privacy.Record
	_ = json.Unmarshal(p.call(t, http.MethodGet, "/v1/privacy/exports/"+ack["request"], nil, http.StatusOK), &rec)
	if rec.Status != privacy.StatusDone {
		t.Errorf("a retried data request left it %s", rec.Status)
	}
	var kept struct {
		OrderIDs []string         `json:"order_ids"`
		Document privacy.Document `json:"document"`
	}
	_ = json.Unmarshal(p.call(t, http.MethodGet, "/v1/privacy/exports/"+ack["request"], nil, http.StatusOK), &kept)
	if len(kept.Document.Orders) != 2 || len(kept.Document.Notifications) < 2 || len(kept.OrderIDs) != 2 {
		t.Errorf("kept export = %+v", kept)
	}

	// customers/redact: Shopify's phone in a national form names nobody; the email and the
	// orders named do.
	body = `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com","customer":{"id":191167,"email":"ona.sopify@example.com","phone":"555-625-1199"},"orders_to_redact":[7700001,7700002]}`
	ack = p.shopify(t, "customers/redact", "wh-redact-1", body, http.StatusOK)
	r := p.waitDone(t, "/v1/privacy/erasures/"+ack["request"])
	if len(r.OrderIDs) != 2 {
		t.Errorf("customers/redact covered %v", r.OrderIDs)
	}
	if found := p.traces(t, ona.email, ona.phone, "Šopifait"); len(found) > 0 {
		t.Errorf("traces left after customers/redact (the kept export among them?):\n%s", strings.Join(found, "\n"))
	}
	if found := p.traces(t, rita.email); len(found) == 0 {
		t.Error("customers/redact erased another customer")
	}

	// shop/redact: every order from Shopify.
	ack = p.shopify(t, "shop/redact", "wh-shop-1", `{"shop_id":954889,"shop_domain":"ona-shop.myshopify.com"}`, http.StatusOK)
	p.waitDone(t, "/v1/privacy/erasures/"+ack["request"])
	if found := p.traces(t, rita.email, rita.phone, "Parduotuvien"); len(found) > 0 {
		t.Errorf("traces left after shop/redact:\n%s", strings.Join(found, "\n"))
	}
	p.shopify(t, "customers/redact", "wh-bad", `{"shop_domain":"x","customer":{"email":"a\u0000@b.lt"}}`, http.StatusBadRequest)
}
