package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/escalate"
	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/escalate/slack"
	"github.com/shipflow/shipflow/escalate/zendesk"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/worker"
	"github.com/shipflow/shipflow/workflows"
)

// staffedOrder starts an order whose deployment has a Slack chat and Zendesk configured, on a
// task queue of its own whose worker reaches local stand-ins of both. The stack's relay starts
// every order it accepts with the stack's settings (no chat, no ticketing), so this order is
// started directly, as the relay would start it in a deployment with both configured.
func staffedOrder(t *testing.T, prefix string) (id string, sl *escalatetest.Slack, zd *escalatetest.Zendesk) {
	t.Helper()
	newStack(t)
	sl, zd = escalatetest.NewSlack(t), escalatetest.NewZendesk(t, "ops@shop.example", "zd-token")
	hc := &http.Client{Timeout: 5 * time.Second}
	tq := uniqueID("staffed")
	w := sdkworker.New(testenv.Temporal(t), tq, sdkworker.Options{})
	worker.Register(w, worker.Deps{
		DB: testenv.DB(t), Notifier: &notes{sent: map[string][]string{}}, Escalator: activities.LogEscalator{Logger: testenv.QuietLogger()},
		Alerters: map[string]escalate.Alerter{"slack": slack.New(sl.WebhookURL(), hc)},
		Tickets:  zendesk.New(zendesk.Config{URL: zd.URL(), Email: "ops@shop.example", APIToken: "zd-token"}, hc),
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	id = uniqueID(prefix)
	e := order.CommerceEvent{
		ID: id + "-c", Type: order.EventCreated, Timestamp: time.Now().UTC(), OrderID: id,
		Customer: &order.Customer{Name: "Ona", Email: "ona@example.com", Phone: "+37060000000", Locale: "en", TimeZone: "Europe/Vilnius"},
		Notify:   []order.Channel{order.ChannelSMS},
		Items:    []order.Item{{SKU: "SHOE-1", Name: "Shoes", Quantity: 1}},
	}
	s := workflows.OrderSettings{ReviewRequestDelay: time.Hour, AlertChannels: []string{"slack"}, Tickets: true, EscalationSLA: time.Hour}
	if _, err := workflows.StartOrder(context.Background(), testenv.Temporal(t), tq, e, s); err != nil {
		t.Fatal(err)
	}
	awaitOrder(t, id, "created", statusIs(order.StatusCreated))
	return id, sl, zd
}

// humanEntries are the order's call-back requests on its timeline.
func humanEntries(t *testing.T, id string) []order.Entry {
	t.Helper()
	v, err := workflows.QueryOrder(context.Background(), testenv.Temporal(t), id)
	if err != nil {
		t.Fatal(err)
	}
	var es []order.Entry
	for _, e := range v.Timeline {
		if e.Type == order.EntryHumanRequested {
			es = append(es, e)
		}
	}
	return es
}

// humanEvents counts the order's order.human_requested events in the outbound event log.
func humanEvents(t *testing.T, id string) int {
	t.Helper()
	var n int
	err := testenv.DB(t).QueryRow(context.Background(),
		`SELECT count(*) FROM order_events WHERE order_id = $1 AND type = $2`, id, string(order.PublishOrderHumanRequested)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVoiceRequestHumanIsDurable is finding 7 of issue 15: request_human was a chat post made
// inside the voice deadline, with no trace on the order, no retry and no ticket. Now a verified
// caller's request is on the order's timeline, published as order.human_requested, alerted in
// the configured chat (after the chat's first answer failed) and noted on the order's ticket; a
// retry of the call records once.
func TestVoiceRequestHumanIsDurable(t *testing.T) {
	id, sl, zd := staffedOrder(t, "human")
	sl.FailNext(1, http.StatusInternalServerError) // the chat is down for the first attempt
	a := poskaiCall(t, voiceToken, "+37060000000", "call-h1-"+id, "request_human", map[string]any{"order_number": id, "reason": "parcel arrived damaged"})
	if a.Status != "success" || !strings.Contains(a.AIInstructions, "support ticket") || !strings.Contains(a.AIInstructions, "will call them back") {
		t.Fatalf("answer: %+v", a)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return len(humanEntries(t, id)) == 1 }, "the timeline entry")
	e := humanEntries(t, id)[0]
	if e.Kind != order.KindCustomer || e.EventID != "call-h1-"+id || !strings.Contains(e.Description, "parcel arrived damaged") {
		t.Errorf("entry %+v", e)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return humanEvents(t, id) == 1 }, "the order.human_requested event")
	testenv.Eventually(t, 30*time.Second, func() bool { return len(sl.Messages()) == 1 }, "the Slack alert")
	if m := sl.Messages()[0]; !strings.Contains(strings.Join(append(m.Texts, m.Text), " "), id) ||
		!strings.Contains(strings.Join(m.Texts, " "), "parcel arrived damaged") {
		t.Errorf("slack message %+v", m)
	}
	ticketed := func() bool {
		ts := zd.Tickets()
		return len(ts) == 1 && len(ts[0].Comments) == 2
	}
	testenv.Eventually(t, 30*time.Second, ticketed, "the ticket and its note")
	tk := zd.Tickets()[0]
	if tk.ExternalID != id || !strings.Contains(tk.Comments[1].Body, "parcel arrived damaged") || tk.Comments[1].Public {
		t.Errorf("ticket %+v", tk)
	}

	// The platform retries the call, once with the same words (the first answer is repeated)
	// and once in other words: the order records it once, staff hear of it once.
	again := poskaiCall(t, voiceToken, "+37060000000", "call-h1-"+id, "request_human", map[string]any{"order_number": id, "reason": "parcel arrived damaged"})
	other := poskaiCall(t, voiceToken, "+37060000000", "call-h1-"+id, "request_human", map[string]any{"order_number": id, "reason": "box crushed"})
	if again.AIInstructions != a.AIInstructions || other.AIInstructions != a.AIInstructions {
		t.Errorf("a retry answered otherwise: %+v / %+v", again, other)
	}
	time.Sleep(2 * time.Second) // time for a second alert or ticket note, had one been asked for
	if n := len(humanEntries(t, id)); n != 1 {
		t.Errorf("%d timeline entries for one call", n)
	}
	if n := humanEvents(t, id); n != 1 {
		t.Errorf("%d events for one call", n)
	}
	if n := len(sl.Messages()); n != 1 {
		t.Errorf("%d alerts for one call", n)
	}
	if !ticketed() {
		t.Errorf("tickets after the retry: %+v", zd.Tickets())
	}
}

// TestVoiceRequestHumanWithNobodyToTell is finding 7 of issue 15: with no chat configured the
// caller was told staff were told. Now the caller hears the request is recorded on the order
// and how else to reach the shop, and the request is on the order.
func TestVoiceRequestHumanWithNobodyToTell(t *testing.T) {
	id, _ := shippedOrder(t, "nobody")
	s := newStack(t)
	a := poskaiCall(t, voiceToken, "+37060000000", "call-n1-"+id, "request_human", map[string]any{"order_number": id, "reason": evilReason})
	want := "Pasakykite klientui, kad jo prašymas perskambinti užregistruotas užsakyme, tačiau darbuotojai apie jį iš karto nepranešami, todėl nežadėkite nei skambučio, nei laiko. " +
		"Jei reikalas skubus, pasiūlykite susisiekti su parduotuve el. paštu arba telefonu, nurodytais užsakymo patvirtinime. Paklauskite, ar galite dar kuo nors padėti."
	if a.Status != "success" || a.AIInstructions != want || a.Data["callback_requested"] != false {
		t.Fatalf("answer: %+v", a)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return len(humanEntries(t, id)) == 1 }, "the timeline entry")
	testenv.Eventually(t, 30*time.Second, func() bool { return humanEvents(t, id) == 1 }, "the order.human_requested event")
	poskaiCall(t, voiceToken, "+37060000000", "call-n1-"+id, "request_human", map[string]any{"order_number": id})
	time.Sleep(time.Second)
	if n, m := len(humanEntries(t, id)), humanEvents(t, id); n != 1 || m != 1 {
		t.Errorf("a retry recorded again: %d entries, %d events", n, m)
	}
	// The order's own shipped messages may still be arriving; anything else is about the request.
	for _, n := range s.notes.of(id) {
		if !strings.HasPrefix(n, "shipped/") {
			t.Errorf("the customer was messaged about their own request: %v", n)
		}
	}
}
