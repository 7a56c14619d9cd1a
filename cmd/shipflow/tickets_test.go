package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/escalate/escalatetest"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify/template"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/tracklink"
)

// Settings every ticketing stack shares: the carrier webhook's secret (the exceptions come in
// as signed carrier scans), the tracking link's base and key (the customer's comment carries
// the link), and an SLA long enough that no escalation level is reached while a test runs, so
// the ticketing stand-in hears only what the test provokes.
const (
	ticketsCarrierSecret  = "whsec_" + "dGlja2V0cy1jYXJyaWVyLXNjYW4tc2VjcmV0LWZvci10ZXN0cw=="
	ticketsPublicURL      = "https://track.store.example"
	ticketsTrackingSecret = "tickets-whole-path-tracking-secret"
)

// ticketsSettings are the stack settings of a ticketing test, with the provider's over them.
func ticketsSettings(provider map[string]string) map[string]string {
	s := map[string]string{
		"SHIPFLOW_CARRIER_WEBHOOK_SECRET": ticketsCarrierSecret,
		"SHIPFLOW_PUBLIC_URL":             ticketsPublicURL,
		"SHIPFLOW_TRACKING_SECRET":        ticketsTrackingSecret,
		"SHIPFLOW_ESCALATION_SLA":         "10m",
	}
	maps.Copy(s, provider)
	return s
}

// carrierWords is what the carrier says of the problem: staff read it on the ticket, the
// customer never does.
const carrierWords = "Parcel damaged at Kaunas hub, driver Jonas refused it"

// commerce sends order id's signed commerce event typ with data (order_id is added).
func (s *stack) commerce(id, typ string, data map[string]any) {
	s.t.Helper()
	data["order_id"] = id
	body, _ := json.Marshal(map[string]any{"type": typ, "timestamp": time.Now().UTC().Format(time.RFC3339), "data": data})
	r := webhookRequest{path: "/webhooks/commerce", secret: stackSecret, id: id + "-" + typ, body: body}
	if err := r.send(http.DefaultClient, s.base); err != nil {
		s.t.Fatal(err)
	}
}

// scan sends a signed generic carrier scan of DPD parcel tn: status, in the carrier's words,
// dated at. delivery is the webhook id, unique per scan.
func (s *stack) scan(delivery, tn string, status order.ShipmentStatus, words string, at time.Time) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "tracking.updated", "timestamp": time.Now().UTC().Format(time.RFC3339), "data": map[string]any{
		"carrier": "dpd", "tracking_number": tn, "status": status, "description": words,
		"location": map[string]any{"city": "Kaunas", "country": "LT"}, "occurred_at": at.UTC().Format(time.RFC3339),
	}})
	r := webhookRequest{path: "/webhooks/carriers/generic", secret: ticketsCarrierSecret, id: delivery, body: body}
	if err := r.send(http.DefaultClient, s.base); err != nil {
		s.t.Fatal(err)
	}
}

// view is order id's order view from the API.
func (s *stack) view(id string) map[string]any {
	s.t.Helper()
	code, body := call(s.t, http.MethodGet, s.base+"/v1/orders/"+id, "ops-token")
	if code != http.StatusOK {
		return nil
	}
	return body
}

// breakDown drives order id to an exception through the whole inbound path: created and
// confirmed for customer (email channel), shipped as DPD parcel tn, then the carrier's
// exception scan in carrierWords. It returns once the order view shows the exception open.
func (s *stack) breakDown(id, tn string, customer map[string]any) {
	s.t.Helper()
	s.confirm(id, customer, "email")
	s.commerce(id, "order.shipped", map[string]any{"shipment": map[string]any{
		"shipment_id": "S1", "carrier": "dpd", "tracking_number": tn, "items": []string{"SKU-1"},
	}})
	s.scan(id+"-scan-exception", tn, order.ShipmentException, carrierWords, time.Now().Add(-30*time.Minute))
	last := "no view"
	testenv.Eventually(s.t, 30*time.Second, func() bool {
		v := s.view(id)
		last = fmt.Sprint(v["status"], v["exception"])
		x, _ := v["exception"].(map[string]any)
		return v["status"] == string(order.StatusException) && x["reason"] == string(order.ReasonCarrierException)
	}, "order %s did not reach an open carrier exception; last: %s", id, testenv.Last(&last))
}

// moveOn sends the scan that moves order id's parcel tn on again, and returns once the order
// view shows the exception closed.
func (s *stack) moveOn(id, tn string) {
	s.t.Helper()
	s.scan(id+"-scan-moving", tn, order.ShipmentInTransit, "Parcel repacked and on its way", time.Now())
	last := "no view"
	testenv.Eventually(s.t, 30*time.Second, func() bool {
		v := s.view(id)
		last = fmt.Sprint(v["status"], v["exception"])
		return v["status"] == string(order.StatusInTransit) && v["exception"] == nil
	}, "order %s's exception did not close; last: %s", id, testenv.Last(&last))
}

// exchange is one request a tap passed on, and the answer it got.
type exchange struct {
	Method, Path, Auth string
	Status             int
	At                 time.Time // when the answer came back
}

// tap stands between shipflow and a ticketing stand-in and records every exchange, so a test
// sees the retries themselves: which request was refused, and when the next one came. It
// changes nothing on the way: the stand-in still checks each request as the provider does.
type tap struct {
	srv *httptest.Server
	mu  sync.Mutex
	log []exchange
}

func newTap(t *testing.T, target string) *tap {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		tp.mu.Lock()
		defer tp.mu.Unlock()
		tp.log = append(tp.log, exchange{Method: r.Request.Method, Path: r.Request.URL.Path,
			Auth: r.Request.Header.Get("Authorization"), Status: r.StatusCode, At: time.Now()})
		return nil
	}
	tp.srv = httptest.NewServer(rp)
	t.Cleanup(tp.srv.Close)
	return tp
}

// URL is the address shipflow is given instead of the stand-in's.
func (tp *tap) URL() string { return tp.srv.URL }

// exchanges returns every exchange so far, oldest first.
func (tp *tap) exchanges() []exchange {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]exchange(nil), tp.log...)
}

// mark is the number of exchanges so far, for since.
func (tp *tap) mark() int { return len(tp.exchanges()) }

// since returns the exchanges after mark.
func (tp *tap) since(mark int) []exchange { return tp.exchanges()[mark:] }

// quiet waits until the tap has seen no exchange for d, so that a retry, were one coming, has
// come.
func (tp *tap) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, func() bool {
		x := tp.exchanges()
		return len(x) == 0 || time.Since(x[len(x)-1].At) >= d
	}, "the ticketing stand-in kept being called")
}

// TestTicketsThroughZendeskWithPublicComment runs exception tickets through the whole path
// with Zendesk and ZENDESK_PUBLIC_COMMENTS on: signed commerce events and a signed carrier
// exception scan into serve, the relay, the order workflow, the escalation workflow, the
// OpenTicket activity, the Zendesk client and the stand-in, which checks the API token's
// basic auth and the ticket as Zendesk does. It checks the ticket (external id, the customer
// as requester, staff's private note, exactly one public comment of fixed words and the
// tracking link, never the carrier's words), that an outage on a second order's ticket (a 503,
// a create whose answer is lost, a public comment whose answer is lost) is retried into still
// one ticket with one public comment, and that the parcel moving on closes the ticket.
func TestTicketsThroughZendeskWithPublicComment(t *testing.T) {
	const agent, token = "agent@store.example", "zd-whole-path-token"
	zd := escalatetest.NewZendesk(t, agent, token)
	tp := newTap(t, zd.URL())
	s := startStack(t, ticketsSettings(map[string]string{
		"ZENDESK_URL": tp.URL(), "ZENDESK_EMAIL": agent, "ZENDESK_API_TOKEN": token, "ZENDESK_PUBLIC_COMMENTS": "true",
	}))
	prefix := fmt.Sprintf("zd-%d-", time.Now().UnixNano())
	customer := func(email string) map[string]any {
		return map[string]any{"name": "Ona Petraitė", "email": email, "locale": "en", "time_zone": "Europe/Vilnius"}
	}
	ticketOf := func(id string) []escalatetest.ZendeskTicket {
		var out []escalatetest.ZendeskTicket
		for _, tk := range zd.Tickets() {
			if tk.ExternalID == id {
				out = append(out, tk)
			}
		}
		return out
	}
	heading, text := template.ExceptionNotice("en", order.ReasonCarrierException)
	told := func(id string) string {
		return heading + "\n\n" + text + "\n\n" + tracklink.URL(ticketsPublicURL, ticketsTrackingSecret, id)
	}
	// opened waits for order id's ticket to carry staff's note and the customer's comment,
	// then for the client to stop calling, and returns the ticket.
	opened := func(t *testing.T, id string) escalatetest.ZendeskTicket {
		t.Helper()
		last := "no ticket"
		testenv.Eventually(t, 60*time.Second, func() bool {
			tks := ticketOf(id)
			last = fmt.Sprintf("%+v", tks)
			return len(tks) == 1 && len(tks[0].Comments) >= 2
		}, "order %s's ticket was not opened and told; last: %s", id, testenv.Last(&last))
		tp.quiet(t, 3*time.Second)
		tks := ticketOf(id)
		if len(tks) != 1 {
			t.Fatalf("order %s has %d tickets, want one: %+v", id, len(tks), tks)
		}
		return tks[0]
	}
	// checkTold checks tk is the customer's, staff's note private with the carrier's words,
	// and the customer told exactly once, in fixed words.
	checkTold := func(t *testing.T, id, email string, tk escalatetest.ZendeskTicket) {
		t.Helper()
		if tk.Requester.Email != email || tk.Requester.Name != "Ona Petraitė" {
			t.Errorf("requester %+v, want Ona Petraitė <%s>", tk.Requester, email)
		}
		if tk.Subject != "Order "+id+": carrier_exception" || tk.Priority != "normal" || tk.Status != "new" {
			t.Errorf("ticket subject %q priority %q status %q", tk.Subject, tk.Priority, tk.Status)
		}
		note := tk.Comments[0]
		if note.Public || !strings.Contains(note.Body, carrierWords) || !strings.Contains(note.Body, "tracking number TK") {
			t.Errorf("staff's note %+v, want private with the carrier's words and the parcel", note)
		}
		var public []escalatetest.ZendeskComment
		for _, c := range tk.Comments {
			if c.Public {
				public = append(public, c)
			}
		}
		if len(public) != 1 {
			t.Fatalf("%d public comments, want exactly one: %+v", len(public), tk.Comments)
		}
		if public[0].Body != told(id) {
			t.Errorf("public comment %q, want %q", public[0].Body, told(id))
		}
		if !strings.Contains(public[0].Body, ticketsPublicURL+"/track/") {
			t.Errorf("public comment %q has no tracking link", public[0].Body)
		}
		for _, w := range []string{carrierWords, "damaged", "Jonas", "Kaunas"} {
			if strings.Contains(public[0].Body, w) {
				t.Errorf("public comment repeats the carrier's %q: %q", w, public[0].Body)
			}
		}
	}

	idA, tnA := prefix+"a", fmt.Sprintf("TK%dA", time.Now().UnixNano())
	t.Run("ticket for the customer, told once", func(t *testing.T) {
		email := "ona.zd.a@example.com"
		s.breakDown(idA, tnA, customer(email))
		tk := opened(t, idA)
		checkTold(t, idA, email, tk)
		if len(tk.Comments) != 2 {
			t.Errorf("comments %+v, want staff's note and the customer's comment", tk.Comments)
		}
	})

	t.Run("outage retried: one ticket, one public comment", func(t *testing.T) {
		id, tn, email := prefix+"b", fmt.Sprintf("TK%dB", time.Now().UnixNano()), "ona.zd.b@example.com"
		mark := tp.mark()
		// The lookup meets an outage, the create's answer is lost, then the public comment's.
		zd.FailNext(1, http.StatusServiceUnavailable)
		zd.DropAnswerOnce()
		zd.DropUpdateAnswerOnce()
		s.breakDown(id, tn, customer(email))
		opened(t, id)
		// The comment's lost answer is retried after the activity's backoff (longer than
		// opened's quiet spell): wait for that attempt to read the comments again, and for
		// whatever it does next.
		testenv.Eventually(t, 90*time.Second, func() bool {
			x := tp.since(mark)
			lost := -1
			for i, e := range x {
				if e.Method == http.MethodPut && e.Status >= 500 {
					lost = i
				}
			}
			if lost < 0 {
				return false
			}
			for _, e := range x[lost+1:] {
				if e.Method == http.MethodGet && strings.HasSuffix(e.Path, "/comments.json") && e.Status == http.StatusOK {
					return true
				}
			}
			return false
		}, "the public comment's lost answer was not retried")
		tp.quiet(t, 3*time.Second)
		tk := ticketOf(id)[0]
		checkTold(t, id, email, tk)
		var failed []string
		for _, x := range tp.since(mark) {
			if x.Status >= 500 {
				failed = append(failed, x.Method+" "+x.Path+" "+fmt.Sprint(x.Status))
			}
		}
		if len(failed) != 3 {
			t.Errorf("failed exchanges %v, want the lookup's 503, the create's and the comment's lost answers", failed)
		}
		if len(tk.Comments) != 2 {
			t.Errorf("comments %+v, want staff's note and one customer comment", tk.Comments)
		}
	})

	t.Run("parcel moves on: ticket solved", func(t *testing.T) {
		mark := tp.mark()
		s.moveOn(idA, tnA)
		last := "no ticket"
		testenv.Eventually(t, 30*time.Second, func() bool {
			tks := ticketOf(idA)
			last = fmt.Sprintf("%+v", tks)
			return len(tks) == 1 && tks[0].Status == "solved"
		}, "order %s's ticket was not solved; last: %s", idA, testenv.Last(&last))
		tp.quiet(t, 3*time.Second)
		tk := ticketOf(idA)[0]
		closing := tk.Comments[len(tk.Comments)-1]
		if closing.Public || closing.Body != "Exception closed: "+order.CarrierProgress {
			t.Errorf("closing comment %+v, want a private note of the resolution", closing)
		}
		if len(tk.Comments) != 3 {
			t.Errorf("comments %+v, want the note, the customer's comment and the closing note", tk.Comments)
		}
		for _, x := range tp.since(mark) {
			if x.Status < 200 || x.Status > 299 {
				t.Errorf("exchange %+v", x)
			}
		}
	})
}

// TestTicketsThroughFreshdesk runs exception tickets through the whole path with Freshdesk:
// signed events into serve, the workflows, the OpenTicket activity, the Freshdesk client and
// the stand-in, which checks the API key's basic auth ("<key>:X") and the ticket as Freshdesk
// does. It checks one ticket per order for the configured requester at normal (2) priority,
// each request's Authorization as Freshdesk documents it, a 429 with Retry-After retried after
// the wait it asked for into one ticket, and the parcel moving on resolving the ticket.
func TestTicketsThroughFreshdesk(t *testing.T) {
	const key, requester = "fd-whole-path-key", "support@store.example"
	fd := escalatetest.NewFreshdesk(t, key)
	tp := newTap(t, fd.URL())
	s := startStack(t, ticketsSettings(map[string]string{
		"FRESHDESK_URL": tp.URL(), "FRESHDESK_API_KEY": key, "FRESHDESK_REQUESTER_EMAIL": requester,
	}))
	prefix := fmt.Sprintf("fd-%d-", time.Now().UnixNano())
	customer := map[string]any{"name": "Ona Petraitė", "email": "ona.fd@example.com", "locale": "en", "time_zone": "Europe/Vilnius"}
	ticketOf := func(id string) []escalatetest.FreshdeskTicket {
		var out []escalatetest.FreshdeskTicket
		for _, tk := range fd.Tickets() {
			if strings.HasPrefix(tk.Subject, "Order "+id+": ") {
				out = append(out, tk)
			}
		}
		return out
	}
	opened := func(t *testing.T, id string) escalatetest.FreshdeskTicket {
		t.Helper()
		last := "no ticket"
		testenv.Eventually(t, 60*time.Second, func() bool {
			tks := ticketOf(id)
			last = fmt.Sprintf("%+v", tks)
			return len(tks) > 0
		}, "order %s's ticket was not opened; last: %s", id, testenv.Last(&last))
		tp.quiet(t, 3*time.Second)
		tks := ticketOf(id)
		if len(tks) != 1 {
			t.Fatalf("order %s has %d tickets, want one: %+v", id, len(tks), tks)
		}
		return tks[0]
	}
	check := func(t *testing.T, id, tn string, tk escalatetest.FreshdeskTicket) {
		t.Helper()
		if tk.Requester != requester || tk.Subject != "Order "+id+": carrier_exception" || tk.Status != 2 || tk.Priority != 2 {
			t.Errorf("ticket %+v, want open (2) at normal priority (2) for %s", tk, requester)
		}
		if !strings.Contains(tk.Description, carrierWords) || !strings.Contains(tk.Description, tn) {
			t.Errorf("description %q, want the carrier's words and the parcel", tk.Description)
		}
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":X"))

	ids := []string{prefix + "a", prefix + "b"}
	tns := []string{fmt.Sprintf("TK%dA", time.Now().UnixNano()), fmt.Sprintf("TK%dB", time.Now().UnixNano())}
	t.Run("one ticket per order", func(t *testing.T) {
		for i, id := range ids {
			s.breakDown(id, tns[i], customer)
			check(t, id, tns[i], opened(t, id))
		}
		if n := len(fd.Tickets()); n != 2 {
			t.Errorf("Freshdesk holds %d tickets, want one per order", n)
		}
		for _, x := range tp.exchanges() {
			if x.Auth != wantAuth || x.Status < 200 || x.Status > 299 {
				t.Errorf("exchange %s %s: %d with Authorization %q, want 2xx with the API key as basic auth user, X as password", x.Method, x.Path, x.Status, x.Auth)
			}
		}
	})

	t.Run("429 retried after Retry-After", func(t *testing.T) {
		id, tn := prefix+"c", fmt.Sprintf("TK%dC", time.Now().UnixNano())
		mark := tp.mark()
		fd.PassNext(1) // the lookup
		fd.FailNext(1, http.StatusTooManyRequests)
		s.breakDown(id, tn, customer)
		check(t, id, tn, opened(t, id))
		x := tp.since(mark)
		limited := -1
		for i, e := range x {
			if e.Status == http.StatusTooManyRequests {
				limited = i
			}
		}
		if limited < 0 || x[limited].Method != http.MethodPost || limited+1 >= len(x) {
			t.Fatalf("exchanges %+v, want the create refused with 429 and then retried", x)
		}
		// Retry-After: 1 is waited, not the activity's 5 s first retry interval.
		gap := x[limited+1].At.Sub(x[limited].At)
		t.Logf("429 to the retry's first request: %s", gap)
		if gap < 900*time.Millisecond || gap >= 5*time.Second {
			t.Errorf("retried %s after the 429, want about the Retry-After's 1 s", gap)
		}
	})

	t.Run("parcel moves on: ticket resolved", func(t *testing.T) {
		id, tn := ids[0], tns[0]
		s.moveOn(id, tn)
		last := "no ticket"
		testenv.Eventually(t, 30*time.Second, func() bool {
			tks := ticketOf(id)
			last = fmt.Sprintf("%+v", tks)
			return len(tks) == 1 && tks[0].Status == 4
		}, "order %s's ticket was not resolved; last: %s", id, testenv.Last(&last))
		tp.quiet(t, 3*time.Second)
		tk := ticketOf(id)[0]
		if len(tk.Notes) != 1 || !tk.Notes[0].Private || tk.Notes[0].Body != "Exception closed: "+order.CarrierProgress {
			t.Errorf("notes %+v, want one private note of the resolution", tk.Notes)
		}
		if fmt.Sprint(tk.Statuses) != "[2 4]" {
			t.Errorf("statuses %v, want open then resolved", tk.Statuses)
		}
		if other := ticketOf(ids[1]); len(other) != 1 || other[0].Status != 2 {
			t.Errorf("the other order's ticket %+v, want it still open", other)
		}
	})
}
