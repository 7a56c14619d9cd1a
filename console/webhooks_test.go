package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/activities"
	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/worker"
)

// loopback is the egress policy of these tests: the receivers are local stand-ins.
var loopback = egress.Policy{Allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AllowHTTP: true}

// hooks is a signed-in console with the webhooks pages, on the JSON API's operations.
type hooks struct {
	*browser
	api  *outbound.API
	pool *pgxpool.Pool
}

// newHooks serves the console with webhooks and the inbox. With workflows, retries and
// recoveries start on a real Temporal and a worker of the test's own runs them.
func newHooks(t *testing.T, workflows bool) *hooks {
	t.Helper()
	pool := testenv.DB(t)
	sender := &outbound.Sender{Policy: loopback, Timeout: 5 * time.Second, Secrets: testenv.SecretCodec(t)}
	api := &outbound.API{DB: pool, Policy: loopback, Sender: sender, Secrets: sender.Secrets}
	if workflows {
		c, tq := testenv.Temporal(t), testenv.TaskQueue(t)
		api.Deliveries = outbound.Deliveries{Client: c, TaskQueue: tq}
		testenv.StartWorker(t, worker.New(c, tq, worker.Deps{DB: pool, Notifier: silent{}, Escalator: silent{}, Webhooks: sender}, nil))
	}
	b := newConsole(t, func(con *console.Console) { con.Webhooks, con.Inbox = api, inbox.New(pool) })
	return &hooks{browser: b, api: api, pool: pool}
}

// silent stands in for customer messages and escalations, which these tests have none of.
type silent struct{}

func (silent) Notify(context.Context, notify.Request) error                       { return nil }
func (silent) ExceptionChanged(context.Context, activities.ExceptionChange) error { return nil }

// receiver is a subscriber's endpoint on 127.0.0.1: it answers 500 with a body while failing
// is set, 204 otherwise, and keeps every request's headers.
type receiver struct {
	*httptest.Server
	failing atomic.Bool
	mu      sync.Mutex
	headers []http.Header
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		if r.failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "receiver exploded <b>loudly</b>")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// submit sends a console form with the session's CSRF token (or the _csrf it has) and follows
// the redirect that answers it, as a browser does: the status and body of the page it ends on.
func (b *browser) submit(path string, form url.Values) (int, string) {
	b.t.Helper()
	var code int
	var to, body string
	if _, own := form["_csrf"]; own {
		code, to, body = b.send(path, form)
	} else {
		code, to, body = b.post(path, form)
	}
	if code == http.StatusSeeOther {
		return b.get(to)
	}
	return code, body
}

// create makes a webhook through the form and returns its id and the page that answered.
func (h *hooks) create(form url.Values) (string, string) {
	h.t.Helper()
	if form.Get("kind") == "" {
		form.Set("kind", string(outbound.KindWebhook))
	}
	code, body := h.submit("/console/webhooks/new", form)
	if code != http.StatusCreated && code != http.StatusOK {
		h.t.Fatalf("create: %d\n%s", code, body)
	}
	id := match(h.t, body, `href="/console/webhooks/(ep_[^"/?]+)`)
	h.t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), h.pool, id) })
	return id, body
}

// delivery is the endpoint's newest delivery.
func (h *hooks) delivery(endpointID string) outbound.Delivery {
	h.t.Helper()
	page, err := outbound.ListDeliveries(h.t.Context(), h.pool, endpointID, outbound.DeliveryParams{Limit: 1})
	if err != nil || len(page.Deliveries) == 0 {
		h.t.Fatalf("no delivery of %s (%v)", endpointID, err)
	}
	return page.Deliveries[0]
}

func (h *hooks) waitDelivered(id string) {
	h.t.Helper()
	var d outbound.Delivery
	testenv.Eventually(h.t, 30*time.Second, func() bool {
		var err error
		d, err = outbound.GetDelivery(h.t.Context(), h.pool, id)
		return err == nil && d.Status == outbound.DeliveryDelivered
	}, "delivery %s delivered (last %s)", id, testenv.Last(&d.Status))
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s shows %q", what, w)
		}
	}
}

// A webhook created from the form is listed; a test event sent from its page shows there as a
// delivery with its attempt; its secret is shown on the page that created it and on the one
// that rotated it, and nowhere else.
func TestWebhookCreateTestAndSecretShownOnce(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	id, created := h.create(url.Values{
		"url": {rcv.URL + "/hooks"}, "description": {"ERP receiver"}, "type": {"order.shipped", "order.delivered"},
		"header_name": {"Authorization", ""}, "header_value": {"Bearer gateway-token-123", ""},
	})
	e, err := openedEndpoint(t, h.pool, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.URL != rcv.URL+"/hooks" || e.Description != "ERP receiver" || len(e.EventTypes) != 2 || e.Headers["Authorization"] != "Bearer gateway-token-123" {
		t.Fatalf("created %+v", e)
	}
	contains(t, "the created page", html.UnescapeString(created), e.Secret, "not shown again")

	code, list := h.get("/console/webhooks")
	if code != http.StatusOK {
		t.Fatalf("list: %d", code)
	}
	contains(t, "the list", list, "ERP receiver", rcv.URL+"/hooks", "order.shipped", "enabled", "no deliveries yet")

	code, page := h.submit("/console/webhooks/"+id+"/test", url.Values{"event_type": {"order.delivered"}})
	if code != http.StatusOK {
		t.Fatalf("test: %d\n%s", code, page)
	}
	contains(t, "the endpoint page after a test", page, "The test event was delivered", "order.delivered", ">204<", " ms")
	if hs := rcv.got(); len(hs) != 1 || hs[0].Get("Authorization") != "Bearer gateway-token-123" || hs[0].Get("webhook-signature") == "" {
		t.Errorf("receiver got %v", hs)
	}
	_, list = h.get("/console/webhooks")
	contains(t, "the list after a test", list, `data-num="100"`)

	code, rotated := h.submit("/console/webhooks/"+id+"/rotate", nil)
	again, _ := openedEndpoint(t, h.pool, id)
	if code != http.StatusOK || again.Secret == e.Secret {
		t.Fatalf("rotate: %d, secret unchanged %v", code, again.Secret == e.Secret)
	}
	contains(t, "the rotated page", html.UnescapeString(rotated), again.Secret, "24 hours")
	for _, path := range []string{"/console/webhooks", "/console/webhooks/" + id, "/console/webhooks/" + id + "/edit"} {
		_, body := h.get(path)
		body = html.UnescapeString(body)
		mustNotContain(t, path, body, e.Secret, again.Secret, "gateway-token-123")
		if path == "/console/webhooks/"+id {
			contains(t, path, body, again.SecretHint())
		}
	}
}

// A delivery that failed shows its attempt's status and answer, and is retried from the
// console through its workflow; recover retries every failed delivery since a time.
func TestWebhookFailedDeliveryRetriedAndRecovered(t *testing.T) {
	h := newHooks(t, true)
	rcv := newReceiver(t)
	rcv.failing.Store(true)
	id, _ := h.create(url.Values{"url": {rcv.URL}, "description": {"flaky"}})

	_, page := h.submit("/console/webhooks/"+id+"/test", url.Values{"event_type": {"order.shipped"}})
	contains(t, "the page after a failed test", page, "was not delivered", ">500<", "receiver exploded &lt;b&gt;loudly&lt;/b&gt;")
	first := h.delivery(id)
	if first.Status != outbound.DeliveryFailed {
		t.Fatalf("failed test delivery is %s", first.Status)
	}
	h.submit("/console/webhooks/"+id+"/test", url.Values{"event_type": {"order.cancelled"}})
	second := h.delivery(id)

	rcv.failing.Store(false)
	code, page := h.submit("/console/webhooks/"+id+"/deliveries/"+first.ID+"/retry", nil)
	if code != http.StatusOK {
		t.Fatalf("retry: %d\n%s", code, page)
	}
	contains(t, "the page after a retry", page, "The retry has started")
	h.waitDelivered(first.ID)
	_, page = h.get("/console/webhooks/" + id + "?status=delivered")
	contains(t, "the delivered tab", page, ">204<", ">500<", `<span class="mono whole">order.shipped</span>`)
	mustNotContain(t, "the delivered tab", page, `<span class="mono whole">order.cancelled</span>`)

	since := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")
	code, page = h.submit("/console/webhooks/"+id+"/recover", url.Values{"since": {since}})
	if code != http.StatusOK {
		t.Fatalf("recover: %d\n%s", code, page)
	}
	contains(t, "the page after recover", page, "Recovery started: 1 failed delivery is being retried.")
	h.waitDelivered(second.ID)

	// A delivery of another endpoint is not retried through this one's page.
	other, _ := h.create(url.Values{"url": {rcv.URL + "/other"}})
	if code, _ := h.submit("/console/webhooks/"+other+"/deliveries/"+first.ID+"/retry", nil); code != http.StatusNotFound {
		t.Errorf("retry through another endpoint: %d", code)
	}
}

// Edits, disabling, enabling and deleting (after a confirmation) reach the endpoint.
func TestWebhookEditDisableDelete(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	id, _ := h.create(url.Values{"url": {rcv.URL}, "description": {"before"},
		"header_name": {"X-Tenant", "X-Drop"}, "header_value": {"acme", "gone"}})

	code, form := h.get("/console/webhooks/" + id + "/edit")
	if code != http.StatusOK {
		t.Fatalf("edit form: %d", code)
	}
	contains(t, "the edit form", form, `value="before"`, `value="X-Tenant"`, "blank keeps it")
	mustNotContain(t, "the edit form", form, "acme")

	code, page := h.submit("/console/webhooks/"+id+"/edit", url.Values{
		"url": {rcv.URL + "/v2"}, "description": {"after"}, "type": {"order.cancelled"},
		"saved_header": {"X-Drop", "X-Tenant"}, "saved_value": {"", ""}, "remove_header": {"X-Drop"},
		"header_name": {"X-Region"}, "header_value": {"eu"},
	})
	if code != http.StatusOK {
		t.Fatalf("save: %d\n%s", code, page)
	}
	contains(t, "the page after saving", page, "Saved.", "after", "order.cancelled")
	e, _ := openedEndpoint(t, h.pool, id)
	if e.URL != rcv.URL+"/v2" || e.Description != "after" || len(e.EventTypes) != 1 ||
		e.Headers["X-Tenant"] != "acme" || e.Headers["X-Region"] != "eu" || len(e.Headers) != 2 {
		t.Fatalf("after the edit: %+v %v", e, e.Headers)
	}

	if _, page := h.submit("/console/webhooks/"+id+"/disable", nil); !strings.Contains(page, "Disabled:") {
		t.Error("no notice after disabling")
	}
	if e, _ := outbound.GetEndpoint(t.Context(), h.pool, id); e.Enabled {
		t.Fatal("still enabled")
	}
	h.submit("/console/webhooks/"+id+"/enable", nil)
	if e, _ := outbound.GetEndpoint(t.Context(), h.pool, id); !e.Enabled {
		t.Fatal("still disabled")
	}

	code, confirm := h.get("/console/webhooks/" + id + "/delete")
	contains(t, "the confirmation", confirm, "Delete this destination?", "after")
	if _, err := outbound.GetEndpoint(t.Context(), h.pool, id); code != http.StatusOK || err != nil {
		t.Fatalf("asking to confirm deleted it, or failed: %d %v", code, err)
	}
	_, list := h.submit("/console/webhooks/"+id+"/delete", nil)
	contains(t, "the list after deleting", list, "Deleted")
	if _, err := outbound.GetEndpoint(t.Context(), h.pool, id); err == nil {
		t.Fatal("not deleted")
	}
	if code, _ := h.get("/console/webhooks/" + id); code != http.StatusNotFound {
		t.Errorf("deleted endpoint's page: %d", code)
	}
}

// A connector's credentials are taken by the form, sealed, and never drawn again.
func TestConnectorCredentialsAreMasked(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	const token = "pat-na1-console-secret-token"
	code, form := h.get("/console/webhooks/new?kind=hubspot")
	if code != http.StatusOK {
		t.Fatalf("hubspot form: %d", code)
	}
	contains(t, "the hubspot form", form, `name="credential_access_token"`, "api.hubapi.com")
	code, page := h.submit("/console/webhooks/new", url.Values{"kind": {"hubspot"}, "url": {rcv.URL}, "credential_access_token": {token}})
	if code != http.StatusOK {
		t.Fatalf("create hubspot: %d\n%s", code, page)
	}
	id := match(t, page, `/console/webhooks/(ep_[^"/?]+)/edit`)
	t.Cleanup(func() { _ = outbound.DeleteEndpoint(context.Background(), h.pool, id) })
	e, _ := outbound.GetEndpoint(t.Context(), h.pool, id)
	if e.Kind != outbound.KindHubSpot || e.Credentials["access_token"] == "" || e.Credentials["access_token"] == token {
		t.Fatalf("stored %+v", e.Credentials)
	}
	contains(t, "the connector's page", page, "The destination is created.", "access_token")
	mustNotContain(t, "the connector's page", page, token, "Rotate secret", e.Secret)
	_, edit := h.get("/console/webhooks/" + id + "/edit")
	contains(t, "the connector's edit form", edit, "saved ********")
	mustNotContain(t, "the connector's edit form", edit, token)

	// Saving without credentials keeps them; a refused one is not drawn back.
	h.submit("/console/webhooks/"+id+"/edit", url.Values{"url": {rcv.URL}, "description": {"crm"}})
	if again, _ := outbound.GetEndpoint(t.Context(), h.pool, id); again.Credentials["access_token"] != e.Credentials["access_token"] || again.Description != "crm" {
		t.Errorf("credentials changed by an edit without them: %+v", again)
	}
	code, refused := h.submit("/console/webhooks/"+id+"/edit", url.Values{"url": {rcv.URL}, "credential_access_token": {"has space " + token}})
	if code != http.StatusBadRequest {
		t.Fatalf("bad token: %d", code)
	}
	contains(t, "the refused form", refused, "credentials.access_token")
	mustNotContain(t, "the refused form", refused, token)
}

// Hostile or wrong input is refused with the field named, the form drawn again, and nothing
// stored; a form without the session's CSRF token changes nothing.
func TestWebhookFormsRefuseBadInput(t *testing.T) {
	h := newHooks(t, false)
	rcv := newReceiver(t)
	before, _ := outbound.ListEndpoints(t.Context(), h.pool)
	for _, c := range []struct {
		name string
		form url.Values
		code int
		want string
	}{
		{"NUL in the description", url.Values{"url": {rcv.URL}, "description": {"ERP\x00"}}, http.StatusBadRequest, "description"},
		{"overlong URL", url.Values{"url": {rcv.URL + "/" + strings.Repeat("a", 3000)}}, http.StatusBadRequest, "url: must be at most 2048 bytes"},
		{"URL with a line break", url.Values{"url": {rcv.URL + "/a\r\nX-Evil: 1"}}, http.StatusBadRequest, "url: must be printable ASCII"},
		{"private address", url.Values{"url": {"https://10.1.2.3/hooks"}}, http.StatusUnprocessableEntity, "url:"},
		{"no URL", url.Values{"url": {""}}, http.StatusBadRequest, "url is required"},
		{"unknown event type", url.Values{"url": {rcv.URL}, "type": {"order.teleported"}}, http.StatusBadRequest, "event_types[0]"},
		{"reserved header", url.Values{"url": {rcv.URL}, "header_name": {"webhook-signature"}, "header_value": {"v1,x"}}, http.StatusBadRequest, "cannot be set"},
		{"header name with a space", url.Values{"url": {rcv.URL}, "header_name": {"X Bad"}, "header_value": {"x"}}, http.StatusBadRequest, "must be a token"},
		{"header value with a line break", url.Values{"url": {rcv.URL}, "header_name": {"X-A"}, "header_value": {"a\r\nb"}}, http.StatusBadRequest, "visible ASCII"},
		{"unknown kind", url.Values{"kind": {"carrier-pigeon"}, "url": {rcv.URL}}, http.StatusBadRequest, "not a kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.form.Get("kind") == "" {
				c.form.Set("kind", "webhook")
			}
			code, body := h.submit("/console/webhooks/new", c.form)
			if code != c.code {
				t.Fatalf("%d, want %d\n%s", code, c.code, body)
			}
			contains(t, "the refusal", body, c.want)
			mustNotContain(t, "the refusal", body, "\x00")
		})
	}
	after, _ := outbound.ListEndpoints(t.Context(), h.pool)
	if len(after) != len(before) {
		t.Errorf("refused forms stored %d endpoints", len(after)-len(before))
	}

	id, _ := h.create(url.Values{"url": {rcv.URL}, "description": {"kept"}})
	for _, path := range []string{"/console/webhooks/new", "/console/webhooks/" + id + "/delete", "/console/webhooks/" + id + "/edit", "/console/webhooks/" + id + "/rotate"} {
		code, body := h.submit(path, url.Values{"_csrf": {"forged"}, "kind": {"webhook"}, "url": {rcv.URL}, "description": {"forged"}})
		if code != http.StatusForbidden || !strings.Contains(body, "did not come from the console") {
			t.Errorf("POST %s with a forged CSRF token: %d", path, code)
		}
	}
	e, err := outbound.GetEndpoint(t.Context(), h.pool, id)
	if err != nil || e.Description != "kept" {
		t.Errorf("a forged form changed the endpoint: %+v %v", e, err)
	}
	if all, _ := outbound.ListEndpoints(t.Context(), h.pool); len(all) != len(before)+1 {
		t.Errorf("a forged form created an endpoint")
	}
	for _, path := range []string{"/console/webhooks/ep_missing", "/console/webhooks/%00x", "/console/webhooks/" + strings.Repeat("x", 500)} {
		if code, body := h.get(path); code != http.StatusNotFound || strings.Contains(body, strings.Repeat("x", 100)) {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	if code, _ := h.get("/console/webhooks/" + id + "?status=lost"); code != http.StatusBadRequest {
		t.Errorf("unknown status tab: %d", code)
	}
	if code, _ := h.get("/console/webhooks/" + id + "?cursor=%00"); code != http.StatusBadRequest {
		t.Errorf("NUL cursor: %d", code)
	}
	if code, body := h.submit("/console/webhooks/"+id+"/recover", url.Values{"since": {"yesterday"}}); code != http.StatusBadRequest || !strings.Contains(body, "Since:") {
		t.Errorf("recover since yesterday: %d", code)
	}
}

// openedEndpoint is endpoint id as stored, its secrets opened (they are stored sealed).
func openedEndpoint(t *testing.T, pool *pgxpool.Pool, id string) (outbound.Endpoint, error) {
	t.Helper()
	e, err := outbound.GetEndpoint(t.Context(), pool, id)
	if err != nil {
		return e, err
	}
	return e.Open(testenv.SecretCodec(t))
}
