package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/voice"
)

// insightConsole is the console on a database of the test's own, since the insight page counts
// whole windows, signed in; it returns the browser and the database.
func insightConsole(t *testing.T) (*browser, *pgxpool.Pool) {
	t.Helper()
	url := testenv.NewDatabaseURL(t)
	if err := db.EnsureDatabase(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := db.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	return newConsoleOn(t, pool, nil), pool
}

// carriers deliver the test's parcels in turn.
var carriers = []string{"DHL", "UPS", "DPD"}

// seedInsight writes a few hundred orders and what they caused through the same calls shipflow
// makes (the projection, the notification log, the outbound outbox and attempt log, the voice
// line's counter), with figures the test knows.
func seedInsight(t *testing.T, pool *pgxpool.Pool, now time.Time) {
	t.Helper()
	ctx := t.Context()
	save := func(rev int64, v order.View, entries ...order.Entry) {
		if _, err := db.SaveOrder(ctx, pool, db.Snapshot{Revision: rev, View: v, Entries: entries}); err != nil {
			t.Fatal(err)
		}
	}
	// 300 parcels, 100 a carrier: of each carrier's, 20 late (i%5 == 0), 20 without a date
	// (i%5 == 1) and 60 on time: 75 % on time.
	for i := range 300 {
		created := now.Add(-time.Duration(i%6+2) * 24 * time.Hour)
		arrived := created.Add(36 * time.Hour)
		s := order.ShipmentView{ShipmentID: "s1", Carrier: carriers[i%3], TrackingNumber: fmt.Sprint("TN", i),
			Status: order.ShipmentDelivered, ShippedAt: created, DeliveredAt: &arrived}
		switch i % 5 {
		case 0:
			s.EstimatedDelivery = ptr(arrived.Add(-2 * time.Hour))
		case 1:
		default:
			s.EstimatedDelivery = ptr(arrived.Add(2 * time.Hour))
		}
		save(1, order.View{OrderID: fmt.Sprint("o", i), Status: order.StatusDelivered, Shipments: []order.ShipmentView{s},
			CreatedAt: created, UpdatedAt: arrived, DeliveredAt: &arrived})
	}
	// Exceptions: 10 stale, each over in 2 hours by the carrier's next scan; 5 carrier
	// exceptions resolved by staff, in 5 hours; 3 late ones still open.
	exception := func(id string, r order.ExceptionReason, took time.Duration, staff bool) {
		raised := now.Add(-24 * time.Hour)
		v := order.View{OrderID: id, Status: order.StatusException, CreatedAt: raised, UpdatedAt: raised,
			Exception: &order.Exception{Reason: r, RaisedAt: raised}}
		save(1, v)
		if took == 0 {
			return
		}
		v.Status, v.Exception, v.UpdatedAt = order.StatusInTransit, nil, raised.Add(took)
		var entries []order.Entry
		if staff {
			entries = append(entries, order.Entry{Seq: 2, At: v.UpdatedAt, Kind: order.KindStaff, Type: order.EntryExceptionResolved})
		}
		save(2, v, entries...)
	}
	for i := range 10 {
		exception(fmt.Sprint("stale", i), order.ReasonStale, 2*time.Hour, false)
	}
	for i := range 5 {
		exception(fmt.Sprint("damaged", i), order.ReasonCarrierException, 5*time.Hour, true)
	}
	for i := range 3 {
		exception(fmt.Sprint("late", i), order.ReasonLate, 0, false)
	}

	// Messages: email 40 delivered, 10 sent, 5 failed, 3 opted out; SMS 20 delivered and 2
	// undelivered, and two numbers that said STOP.
	log := notify.NewLog(pool)
	n := 0
	message := func(ch order.Channel, st notify.Status, count int) {
		for range count {
			n++
			_, err := log.Record(ctx, notify.Entry{Key: fmt.Sprint("k", n), OrderID: "o1", Milestone: "delivered",
				Channel: string(ch), To: "someone", Template: "delivered", Body: "Delivered", Status: st})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	message(order.ChannelEmail, notify.StatusDelivered, 40)
	message(order.ChannelEmail, notify.StatusSent, 10)
	message(order.ChannelEmail, notify.StatusFailed, 5)
	message(order.ChannelEmail, notify.StatusSuppressed, 3)
	message(order.ChannelSMS, notify.StatusDelivered, 20)
	message(order.ChannelSMS, notify.StatusUndelivered, 2)
	for _, p := range []string{"+37060000001", "+37060000002"} {
		if err := log.OptOut(ctx, string(order.ChannelSMS), p, "test"); err != nil {
			t.Fatal(err)
		}
	}

	// Voice: 7 verified, 2 not found, 1 not verified, today.
	store := voice.NewStore(pool)
	for o, k := range map[voice.LookupOutcome]int{voice.LookupVerified: 7, voice.LookupNotFound: 2, voice.LookupUnverified: 1} {
		for range k {
			if err := store.CountLookup(ctx, now, o); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Subscribers: 12 events to two endpoints. The ERP takes every one at the first try; the
	// CRM takes 8, 2 fail for good and 2 are still being tried: 80 % of those settled.
	erp, err := outbound.CreateEndpoint(ctx, pool, testenv.SecretCodec(t), "https://erp.example/hooks", "ERP", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbound.CreateEndpoint(ctx, pool, testenv.SecretCodec(t), "https://crm.example/hooks", "CRM", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		ids, err := outbound.RecordEvent(ctx, pool, outbound.Event{OrderID: "o1", Seq: int64(i + 1), Type: "order.delivered",
			Data: json.RawMessage(`{}`), CreatedAt: now})
		if err != nil || len(ids) != 2 {
			t.Fatalf("record event: %v, %v", ids, err)
		}
		for _, id := range ids {
			d, err := outbound.GetDelivery(ctx, pool, id)
			if err != nil {
				t.Fatal(err)
			}
			a := outbound.AttemptRecord{DeliveryID: id, Attempt: 1, At: now, StatusCode: 200, Outcome: "delivered"}
			switch {
			case d.EndpointID == erp.ID || i < 8:
			case i < 10:
				a.StatusCode, a.Outcome, a.Final = 500, "failed", true
			default:
				continue
			}
			if _, err := outbound.RecordAttempt(ctx, pool, a, 5*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestInsightShowsTheWindowsFigures: the page's tables say what was seeded, and its charts
// carry the same figures.
func TestInsightShowsTheWindowsFigures(t *testing.T) {
	b, pool := insightConsole(t)
	seedInsight(t, pool, time.Now().UTC())

	st, page := b.get("/console/insight?days=7")
	if st != http.StatusOK {
		t.Fatalf("insight: %d\n%s", st, page)
	}
	rows := tableRows(page)
	for head, want := range map[string]string{
		// Carrier: delivered, on time, late, no date, rate.
		"dhl": "100 60 20 20 75 %", "ups": "100 60 20 20 75 %", "dpd": "100 60 20 20 75 %",
		// Reason: raised, resolved, by staff, open, median, 90th percentile.
		"stale":             "10 10 0 0 2h 2h",
		"carrier exception": "5 5 5 0 5h 5h",
		"late":              "3 0 0 3 — —",
		// Channel: messages, sent, delivered, failed, opted out, new opt-outs, delivered of sent.
		"email": "58 50 40 5 3 0 80 %",
		"sms":   "22 22 20 2 0 2 90.9 %",
		// Voice outcome: lookups, share.
		"Verified and answered": "7 70 %", "Caller not verified": "1 10 %", "Order not found": "2 20 %",
		"Could not answer": "0 0 %", "Answered": "10",
		// Endpoint: deliveries, delivered, failed, being tried, success rate, first try, attempts.
		"ERP https://erp.example/hooks webhook": "12 12 0 0 100 % 100 % 12",
		"CRM https://crm.example/hooks webhook": "12 8 2 2 80 % 100 % 10",
	} {
		if got, ok := rows[head]; !ok || got != want {
			t.Errorf("row %q: %q, want %q", head, got, want)
		}
	}
	for _, kpi := range []string{"75 %", "18", "83.3 %", "10", "90.9 %"} { // on time, raised, messages, voice, subscribers
		if !strings.Contains(text(page), kpi) {
			t.Errorf("the figures at the top lack %q", kpi)
		}
	}

	charts := chartsOf(t, page)
	if len(charts) != 6 {
		t.Fatalf("%d charts, want 6", len(charts))
	}
	if ds := charts["chart-ontime"].Data.Datasets; len(ds) != 3 || ds[0].Label != "dhl" {
		t.Errorf("on-time chart datasets %+v, want one line per carrier", ds)
	}
	if d := charts["chart-voice"].Data.Datasets[0].Data; fmt.Sprint(d) != "[7 1 2 0]" {
		t.Errorf("voice chart %v, want the table's counts", d)
	}
	if !strings.Contains(page, `src="/console/static/chart.umd.min.js?v=`) {
		t.Error("the page does not load Chart.js")
	}
}

func TestInsightWindows(t *testing.T) {
	b, pool := insightConsole(t)
	now := time.Now().UTC()
	old := now.Add(-20 * 24 * time.Hour)
	v := order.View{OrderID: "old", Status: order.StatusDelivered, CreatedAt: old, UpdatedAt: old, DeliveredAt: &old,
		Shipments: []order.ShipmentView{{ShipmentID: "s1", Carrier: "GLS", TrackingNumber: "TN", Status: order.ShipmentDelivered, DeliveredAt: &old}}}
	if _, err := db.SaveOrder(t.Context(), pool, db.Snapshot{Revision: 1, View: v}); err != nil {
		t.Fatal(err)
	}
	_, page := b.get("/console/insight?days=7")
	if _, ok := tableRows(page)["gls"]; ok || !strings.Contains(page, "No parcel was delivered in these days.") {
		t.Error("7 days show a delivery of 20 days ago")
	}
	if !strings.Contains(page, `href="/console/insight?days=7" aria-current="page"`) {
		t.Error("the window chosen is not marked")
	}
	_, page = b.get("/console/insight")
	if got := tableRows(page)["gls"]; got != "1 0 0 1 —" {
		t.Errorf("the default 30 days: gls %q, want its one parcel without a date", got)
	}
	for _, bad := range []string{"8", "-7", "x", "30%00", "100000000000000000000"} {
		st, body := b.get("/console/insight?days=" + bad)
		if st != http.StatusBadRequest || !strings.Contains(body, "choose the last 7, 30 or 90 days") {
			t.Errorf("days=%q: %d, want 400 naming the choices", bad, st)
		}
	}
	anon := &browser{t: t, url: b.url, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if st, _ := anon.get("/console/insight"); st != http.StatusSeeOther {
		t.Errorf("without a session: %d, want a redirect to sign-in", st)
	}
}

var (
	rowRE  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE  = regexp.MustCompile(`<[^>]+>`)
	jsonRE = regexp.MustCompile(`(?s)<script type="application/json" id="([^"]+)">(.*?)</script>`)
)

// text is HTML as a person reads it: no tags, spaces collapsed.
func text(h string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(h, " "))), " ")
}

// tableRows maps each table row's first cell to the rest of its cells, as text; the first row
// of that name wins.
func tableRows(page string) map[string]string {
	out := map[string]string{}
	for _, r := range rowRE.FindAllStringSubmatch(page, -1) {
		cells := cellRE.FindAllStringSubmatch(r[1], -1)
		if len(cells) == 0 {
			continue
		}
		var rest []string
		for _, c := range cells[1:] {
			if s := text(c[1]); s != "" {
				rest = append(rest, s)
			}
		}
		if k := text(cells[0][1]); out[k] == "" {
			out[k] = strings.Join(rest, " ")
		}
	}
	return out
}

type chartSpec struct {
	Type string `json:"type"`
	Data struct {
		Labels   []string `json:"labels"`
		Datasets []struct {
			Label string `json:"label"`
			Data  []any  `json:"data"`
		} `json:"datasets"`
	} `json:"data"`
}

// chartsOf reads the page's chart blocks, each of which a canvas must name.
func chartsOf(t *testing.T, page string) map[string]chartSpec {
	t.Helper()
	out := map[string]chartSpec{}
	for _, m := range jsonRE.FindAllStringSubmatch(page, -1) {
		var c chartSpec
		if err := json.Unmarshal([]byte(m[2]), &c); err != nil {
			t.Fatalf("chart %s: %v\n%s", m[1], err, m[2])
		}
		if !strings.Contains(page, `data-chart="`+m[1]+`"`) {
			t.Errorf("no canvas draws %s", m[1])
		}
		out[m[1]] = c
	}
	return out
}

// TestInsightInBrowser opens the insight page in Chromium at a phone's width and a desktop's:
// Chart.js loads under the CSP and draws every chart from its JSON block, and nothing scrolls
// sideways. With SHIPFLOW_CONSOLE_SHOTS set to a directory, each width is saved there.
func TestInsightInBrowser(t *testing.T) {
	b, pool := insightConsole(t)
	seedInsight(t, pool, time.Now().UTC())
	ctx, cancel := context.WithTimeout(startChromium(t), 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(b.url+"/console/sign-in?next=/console/insight"),
		chromedp.SendKeys(chromedp.ID("token"), adminToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS(".kpis")),
	); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{412, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(b.url+"/console/insight?days=7"),
			chromedp.WaitVisible(chromedp.CSS(".kpis"))); err != nil {
			t.Fatal(err)
		}
		var drawn int
		testenv.Eventually(t, 10*time.Second, func() bool {
			drawn, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('canvas[data-drawn="1"]').length`))
			return drawn == 6
		}, "charts drawn at %d px: %v of 6", w, testenv.Last(&drawn))
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil || overflow {
			t.Errorf("the page scrolls sideways at %d px (%v)", w, err)
		}
		if dir := os.Getenv("SHIPFLOW_CONSOLE_SHOTS"); dir != "" {
			shot(t, ctx, filepath.Join(dir, "insight-"+itoa(w)+".png"))
		}
	}
}
