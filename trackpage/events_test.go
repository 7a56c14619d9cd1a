package trackpage

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// sse is a test client of the events stream.
type sse struct {
	t      *testing.T
	res    *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// sseEvent is one event or comment as read off the wire.
type sseEvent struct {
	fields  map[string]string // data joined with "\n", as EventSource does
	comment string
}

// served runs p behind a real HTTP server, and reports when each request's
// handler has returned, so tests can see the stream end.
func served(t *testing.T, p *Page) (*httptest.Server, chan struct{}) {
	t.Helper()
	done := make(chan struct{}, 16)
	h := p.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

func connect(t *testing.T, url string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); res.Body.Close() })
	return &sse{t: t, res: res, r: bufio.NewReader(res.Body), cancel: cancel}
}

// next reads the next event or comment, failing the test after 5s.
func (c *sse) next() sseEvent {
	c.t.Helper()
	type result struct {
		ev  sseEvent
		err error
	}
	got := make(chan result, 1)
	go func() {
		ev := sseEvent{fields: map[string]string{}}
		for {
			line, err := c.r.ReadString('\n')
			if err != nil {
				got <- result{ev, err}
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if len(ev.fields) > 0 || ev.comment != "" {
					got <- result{ev, nil}
					return
				}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			default:
				k, v, _ := strings.Cut(line, ":")
				v = strings.TrimPrefix(v, " ")
				if k == "data" && ev.fields["data"] != "" {
					v = ev.fields["data"] + "\n" + v
				}
				ev.fields[k] = v
			}
		}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			c.t.Fatalf("reading the stream: %v", r.err)
		}
		return r.ev
	case <-time.After(5 * time.Second):
		c.t.Fatal("no event within 5s")
	}
	return sseEvent{}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestEventsFirstUpdateOnConnect(t *testing.T) {
	updates := newUpdates()
	srv, _ := served(t, newPage(newOrders(token, inTransit()), updates))
	c := connect(t, srv.URL+"/track/"+token+"/events")
	if c.res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", c.res.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
	} {
		if got := c.res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	ev := c.next()
	if ev.fields["event"] != "update" || ev.fields["retry"] != "5000" {
		t.Errorf("first event %v: want event: update with retry: 5000", ev.fields)
	}
	data := ev.fields["data"]
	for _, want := range []string{`<h1 id="status"`, "On its way", "Arrives tomorrow by 5:00 PM", `<ol class="timeline">`} {
		if !strings.Contains(data, want) {
			t.Errorf("update lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(data, "<html") || strings.Contains(data, "<script") {
		t.Error("update carries more than the main section")
	}
	if id := <-updates.subscribed; id != "1042" {
		t.Errorf("subscribed to %q, want the order id 1042", id)
	}
}

func TestEventsUpdateAfterChange(t *testing.T) {
	orders, updates := newOrders(token, inTransit()), newUpdates()
	srv, _ := served(t, newPage(orders, updates))
	c := connect(t, srv.URL+"/track/"+token+"/events")
	if first := c.next(); !strings.Contains(first.fields["data"], "On its way") {
		t.Fatalf("first update: %v", first.fields)
	}
	<-updates.subscribed

	// A change the page does not show sends nothing.
	v := inTransit()
	v.Timeline[0].Note = "another staff note"
	orders.set(token, v)
	updates.signal("1042")

	orders.set(token, delivered())
	updates.signal("1042")
	ev := c.next()
	if ev.fields["event"] != "update" {
		t.Fatalf("got %v, want an update", ev)
	}
	for _, want := range []string{">Delivered</h1>", "Delivered today at 9:30 AM"} {
		if !strings.Contains(ev.fields["data"], want) {
			t.Errorf("update lacks %q:\n%s", want, ev.fields["data"])
		}
	}
	if _, ok := ev.fields["retry"]; ok {
		t.Error("retry: repeated after the first event")
	}
}

func TestEventsKeepAlive(t *testing.T) {
	p := newPage(newOrders(token, inTransit()), newUpdates())
	p.keepAlive = 20 * time.Millisecond
	srv, _ := served(t, p)
	c := connect(t, srv.URL+"/track/"+token+"/events")
	c.next() // the first update
	if ev := c.next(); ev.comment != "keep-alive" || len(ev.fields) != 0 {
		t.Errorf("got %+v, want a keep-alive comment", ev)
	}
	if ev := c.next(); ev.comment != "keep-alive" {
		t.Errorf("got %+v, want keep-alive comments to go on", ev)
	}
}

func TestEventsDefaultKeepAliveIs20s(t *testing.T) {
	if got := (&Page{}).keepAliveEvery(); got != 20*time.Second {
		t.Errorf("keep-alive every %v, want 20s", got)
	}
}

func TestEventsDisconnectUnsubscribes(t *testing.T) {
	updates := newUpdates()
	srv, done := served(t, newPage(newOrders(token, inTransit()), updates))
	c := connect(t, srv.URL+"/track/"+token+"/events")
	c.next()
	subs := updates.all()
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(subs))
	}

	c.cancel() // the customer closes the tab
	wait(t, subs[0].released, "unsubscribe")
	wait(t, done, "the handler to return")
	if n := updates.unsubscribeCalls(subs[0]); n != 1 {
		t.Errorf("unsubscribe called %d times, want once", n)
	}
}

func TestEventsEndWhenSubscriptionEnds(t *testing.T) {
	updates := newUpdates()
	srv, done := served(t, newPage(newOrders(token, inTransit()), updates))
	c := connect(t, srv.URL+"/track/"+token+"/events")
	c.next()
	updates.end("1042")
	wait(t, done, "the handler to return")
	if _, err := io.ReadAll(c.r); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
	wait(t, updates.all()[0].released, "unsubscribe")
}

func TestEventsUnknownToken(t *testing.T) {
	updates := newUpdates()
	srv, _ := served(t, newPage(newOrders(token, inTransit()), updates))
	res, err := http.Get(srv.URL + "/track/" + otherToken + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// 404 makes EventSource give up rather than retry forever.
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
	if n := len(updates.all()); n != 0 {
		t.Errorf("%d subscriptions for an unknown token", n)
	}
}

func TestEventsLookupFailureAsksToRetry(t *testing.T) {
	orders := newOrders(token, inTransit())
	orders.setErr(errors.New("postgres: too many connections"))
	srv, _ := served(t, newPage(orders, newUpdates()))
	res, err := http.Get(srv.URL + "/track/" + token + "/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// A 200 stream that ends makes EventSource reconnect after retry:.
	if res.StatusCode != http.StatusOK || string(body) != "retry: 5000\n\n" {
		t.Errorf("status %d, body %q: want 200 and only retry: 5000", res.StatusCode, body)
	}
}

func TestEventsWithoutSubscriber(t *testing.T) {
	srv, _ := served(t, newPage(newOrders(token, inTransit()), nil))
	res, err := http.Get(srv.URL + "/track/" + token + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// 204 tells EventSource there is nothing to stream, for good.
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("status %d, want 204", res.StatusCode)
	}
}

func TestEventEncoding(t *testing.T) {
	got := string(event("retry: 5000\n", "update", []byte("<p>a</p>\n<p>b\rc</p>\r\n<p>d</p>")))
	want := "retry: 5000\nevent: update\ndata: <p>a</p>\ndata: <p>b\ndata: c</p>\ndata: <p>d</p>\n\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestEventsHead(t *testing.T) {
	updates := newUpdates()
	srv, done := served(t, newPage(newOrders(token, inTransit()), updates))
	res, err := http.Head(srv.URL + "/track/" + token + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("status %d, Content-Type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	wait(t, done, "the handler to return")
	if n := len(updates.all()); n != 0 {
		t.Errorf("HEAD subscribed %d times", n)
	}
}

// oneSlot admits one stream at a time and counts releases.
type oneSlot struct {
	mu       sync.Mutex
	open     bool
	released int
}

func (s *oneSlot) Open(string) (func(), bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		return nil, false
	}
	s.open = true
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.open = false
		s.released++
	}, true
}

func TestEventsRefusedWhenStreamsAreFullAndSlotGivenBackOnDisconnect(t *testing.T) {
	slots := &oneSlot{}
	p := newPage(newOrders(token, inTransit()), newUpdates())
	p.Streams = slots
	srv, done := served(t, p)
	c := connect(t, srv.URL+"/track/"+token+"/events")
	c.next()

	res, err := http.Get(srv.URL + "/track/" + token + "/events")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	<-done
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"too_many_streams"`) {
		t.Errorf("second stream: %d %q (Retry-After %q), want 429 too_many_streams with Retry-After", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	if res, err := http.Get(srv.URL + "/track/" + token); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("the page itself with the streams full: %v %v, want 200", res, err)
	} else {
		res.Body.Close()
		<-done
	}

	c.cancel()
	wait(t, done, "the stream to end after the client left")
	slots.mu.Lock()
	defer slots.mu.Unlock()
	if slots.released != 1 || slots.open {
		t.Errorf("released %d times, open %v: want the slot given back once", slots.released, slots.open)
	}
}
