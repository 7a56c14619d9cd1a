package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The stand-ins here answer shipflow's notification senders the way Twilio, SendGrid and Mailgun do,
// and note what arrived when. notify/providertest has stricter stand-ins, but they live and die
// with a testing.TB; a load test runs outside `go test`, so these small ones take their place.
// They check only what tells a working sender from a broken one (path, credentials, the fields
// a message needs). They never fail on purpose unless the fault suite gives the Twilio or the
// SendGrid stand-in an outage to switch on. Mailgun is the second email provider, which takes
// over while SendGrid is down.

// Credentials the child shipflow is given for the stand-ins. Twilio's client refuses
// credentials that are not alphanumeric; the values are otherwise meaningless.
const (
	twilioAccountSID = "ACloadtest0000000000000000000000"
	twilioAuthToken  = "loadtesttoken"
	twilioFrom       = "+15005550006"
	sendGridAPIKey   = "SG.loadtest"
	sendGridFrom     = "shipflow-loadtest@example.com"
	mailgunAPIKey    = "key-loadtest"
	mailgunDomain    = "mg.loadtest.example"
	mailgunFrom      = "shipflow-loadtest@mg.loadtest.example"
)

// messageKey is what a customer message is counted by: a duplicate is a second message with
// the same key.
type messageKey struct {
	Channel   string // sms or email
	To        string // the phone number or email address
	Milestone string
}

// mailbox records every message the stand-ins accepted, with the time it arrived.
type mailbox struct {
	mu       sync.Mutex
	arrivals map[messageKey][]time.Time
	total    atomic.Int64
}

func newMailbox() *mailbox { return &mailbox{arrivals: map[messageKey][]time.Time{}} }

func (m *mailbox) add(k messageKey, at time.Time) {
	m.mu.Lock()
	m.arrivals[k] = append(m.arrivals[k], at)
	m.mu.Unlock()
	m.total.Add(1)
}

// all returns a copy of every arrival so far.
func (m *mailbox) all() map[messageKey][]time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[messageKey][]time.Time, len(m.arrivals))
	for k, v := range m.arrivals {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// smsPhrases tell which milestone an SMS is about from the words of shipflow's English
// templates (notify/template/templates/en/*.sms.tmpl): Twilio's API carries no metadata shipflow
// could put the milestone in, unlike SendGrid's custom args. The load test's customers all speak
// English, so one phrase per template is enough; a reworded template shows up as "unknown".
var smsPhrases = []struct{ phrase, milestone string }{
	{"thanks for your order", "confirmed"},
	{"has shipped", "shipped"},
	{"is out for delivery", "out_for_delivery"},
	{"has been delivered", "delivered"},
	{"tried to deliver", "attempt_failed"},
	{"is ready for pickup", "available_for_pickup"},
	{"is running late", "delayed"},
	{"how do you like", "review_request"},
	{"is packed", "packed"},
	{"is on the move", "in_transit"},
	{"has been cancelled", "cancelled"},
	{"we've refunded", "refund_processed"},
	{"we received your return", "return_received"}, // before the next: it holds its words
	{"your return for order", "return_in_transit"},
}

func smsMilestone(body string) string {
	lower := strings.ToLower(body)
	for _, p := range smsPhrases {
		if strings.Contains(lower, p.phrase) {
			return p.milestone
		}
	}
	return "unknown"
}

// server is one stand-in HTTP server on a free loopback port.
type server struct {
	URL string
	srv *http.Server
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for a stand-in: %w", err)
	}
	s := &server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) Close() { _ = s.srv.Close() }

var twilioMessagesPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)

// twilioStandIn answers twilio-go's Messages create: a form post with Basic auth, answered with
// 201 and the Message resource. An outage, when given, refuses requests while it is on and
// holds answers back while it says so.
type twilioStandIn struct {
	box *mailbox
	out *outage
}

func (t twilioStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if t.out.refuse(w, func(w http.ResponseWriter) {
		twilioError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable")
	}) {
		return
	}
	m := twilioMessagesPath.FindStringSubmatch(r.URL.Path)
	if m == nil || r.Method != http.MethodPost {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || !same(user, twilioAccountSID) || !same(pass, twilioAuthToken) || m[1] != twilioAccountSID {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	}
	to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
	switch {
	case to == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case body == "" && r.PostForm.Get("ContentSid") == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	channel := "sms"
	if strings.HasPrefix(to, "whatsapp:") {
		channel = "whatsapp"
	}
	t.box.add(messageKey{Channel: channel, To: strings.TrimPrefix(to, "whatsapp:"), Milestone: smsMilestone(body)}, at)
	t.out.hold(r.Context())
	sid := "SM" + randomHex(16)
	now := at.UTC().Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sid": sid, "account_sid": twilioAccountSID, "api_version": "2010-04-01", "status": "queued",
		"to": to, "from": r.PostForm.Get("From"), "body": body, "direction": "outbound-api",
		"date_created": now, "date_updated": now, "num_segments": "1", "num_media": "0",
		"uri": "/2010-04-01/Accounts/" + twilioAccountSID + "/Messages/" + sid + ".json",
	})
}

// outage makes a stand-in misbehave on purpose, for the fault suite. While it is on, every
// request is refused before anything is counted, so none of them is a message sent: every
// other one with 503 (what Twilio answers when it cannot take the request), the rest by
// closing the connection unanswered (a network cut). While holdFor is set, a message is
// counted as sent and then its answer held back that long, so that a worker killed meanwhile
// dies after the provider took the message and before it heard so: the case a resend would
// turn into a second text. A nil outage does neither.
type outage struct {
	on       atomic.Bool
	answered atomic.Int64 // refused with 503
	dropped  atomic.Int64 // connection closed unanswered
	holdFor  atomic.Int64 // nanoseconds to hold each answer back
	held     atomic.Int64 // answers being held back now
}

// hold holds the answer to a counted message back while holdFor is set, or until the
// sender has gone.
func (o *outage) hold(ctx context.Context) {
	if o == nil {
		return
	}
	d := time.Duration(o.holdFor.Load())
	if d <= 0 {
		return
	}
	o.held.Add(1)
	defer o.held.Add(-1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// refused counts the requests the outage turned away; none for a nil outage (a run that
// breaks no provider, such as the replicas run).
func (o *outage) refused() int64 {
	if o == nil {
		return 0
	}
	return o.answered.Load() + o.dropped.Load()
}

// refuse turns the request away while the outage is on, answering half of them with answer
// (the provider's 503) and cutting the rest.
func (o *outage) refuse(w http.ResponseWriter, answer func(http.ResponseWriter)) bool {
	if o == nil || !o.on.Load() {
		return false
	}
	if (o.answered.Load()+o.dropped.Load())%2 == 1 {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				o.dropped.Add(1)
				return true
			}
		}
	}
	o.answered.Add(1)
	answer(w)
	return true
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)})
}

// sendGridStandIn answers the v3 Mail Send API: a JSON post with a bearer key, answered with 202
// and X-Message-Id. shipflow puts the notification key (order/milestone/shipment/channel) in
// the custom args, which is where the milestone is read from.
type sendGridStandIn struct {
	box *mailbox
	out *outage
}

func (s sendGridStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if s.out.refuse(w, func(w http.ResponseWriter) { sendGridError(w, http.StatusServiceUnavailable, "Service Unavailable") }) {
		return
	}
	if r.URL.Path != "/v3/mail/send" || r.Method != http.MethodPost {
		sendGridError(w, http.StatusNotFound, "resource not found")
		return
	}
	if !same(r.Header.Get("Authorization"), "Bearer "+sendGridAPIKey) {
		sendGridError(w, http.StatusUnauthorized, "The provided authorization grant is invalid, expired, or revoked")
		return
	}
	var mail struct {
		Personalizations []struct {
			To         []struct{ Email string } `json:"to"`
			CustomArgs map[string]string        `json:"custom_args"`
		} `json:"personalizations"`
		From    struct{ Email string } `json:"from"`
		Content []struct{ Type, Value string }
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 30<<20)).Decode(&mail); err != nil {
		sendGridError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(mail.Personalizations) == 0 || mail.From.Email == "" || len(mail.Content) == 0 {
		sendGridError(w, http.StatusBadRequest, "personalizations, from and content are required")
		return
	}
	for _, p := range mail.Personalizations {
		for _, to := range p.To {
			s.box.add(messageKey{Channel: "email", To: to.Email, Milestone: keyMilestone(p.CustomArgs["notification_key"])}, at)
		}
	}
	w.Header().Set("X-Message-Id", randomHex(11))
	w.WriteHeader(http.StatusAccepted)
}

// keyMilestone is the milestone of a notification key (order/milestone/shipment/channel), which
// shipflow sends with every email.
func keyMilestone(key string) string {
	if parts := strings.Split(key, "/"); len(parts) == 4 {
		return parts[1]
	}
	return "unknown"
}

var mailgunMessagesPath = regexp.MustCompile(`^/v3/([^/]+)/messages$`)

// mailgunStandIn answers Mailgun's Messages API: a multipart form post with Basic auth (user
// "api", the key as password) to /v3/{domain}/messages, answered with the queued message's id.
// It counts the email as sent, and how many it took (the emails failed over to it).
type mailgunStandIn struct {
	box   *mailbox
	taken *atomic.Int64
}

func (m mailgunStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	p := mailgunMessagesPath.FindStringSubmatch(r.URL.Path)
	if p == nil || r.Method != http.MethodPost {
		mailgunError(w, http.StatusNotFound, "Not Found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != "api" || !same(pass, mailgunAPIKey) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "Forbidden")
		return
	}
	if p[1] != mailgunDomain {
		mailgunError(w, http.StatusNotFound, "Domain not found: "+p[1])
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 25<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		mailgunError(w, http.StatusBadRequest, "invalid form")
		return
	}
	to, from := r.PostFormValue("to"), r.PostFormValue("from")
	if to == "" || from == "" || (r.PostFormValue("text") == "" && r.PostFormValue("html") == "") {
		mailgunError(w, http.StatusBadRequest, "'to', 'from' and 'text' or 'html' are required")
		return
	}
	m.box.add(messageKey{Channel: "email", To: to, Milestone: keyMilestone(r.PostFormValue("v:notification_key"))}, at)
	if m.taken != nil {
		m.taken.Add(1)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": "<" + randomHex(12) + "@" + mailgunDomain + ">", "message": "Queued. Thank you."})
}

func mailgunError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func sendGridError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "field": nil, "help": nil}}})
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
