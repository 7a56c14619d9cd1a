package providertest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/internal/standin"
)

// TwilioMessage is one message the Twilio stand-in accepted, as the client sent it.
type TwilioMessage struct {
	SID                 string // the MessageSid the stand-in answered with
	To                  string
	From                string
	MessagingServiceSid string
	Body                string
	ContentSid          string
	ContentVariables    map[string]string // decoded from the ContentVariables JSON
	StatusCallback      string
	Status              string // the status answered: queued, or accepted with a Messaging Service; SetStatus changes it
	ErrorCode           int    // Twilio's error code of a failed or undelivered message, 0 for none
	DateCreated         time.Time
}

// Twilio stands in for the Twilio Programmable Messaging API (Messages resource, 2010-04-01).
// It is safe for concurrent use.
type Twilio struct {
	faults

	// OnAccept, when set before the first request, is called with every accepted message after
	// it is recorded and before the answer is written: a test can kill a worker there to leave
	// a message sent at the provider but not yet marked sent in shipflow's log.
	OnAccept func(TwilioMessage)
	// Fetches counts the messages fetched (GET of one Message).
	Fetches atomic.Int64

	accountSID string
	authToken  string
	srv        *httptest.Server

	mu       sync.Mutex
	messages []TwilioMessage
}

// NewTwilio starts a Twilio stand-in that accepts the credentials accountSID and authToken
// (twilio-go insists that both are alphanumeric) and stops it when the test ends.
func NewTwilio(t testing.TB, accountSID, authToken string) *Twilio {
	t.Helper()
	tw := StartTwilio(accountSID, authToken)
	t.Cleanup(tw.Close)
	return tw
}

// StartTwilio starts a Twilio stand-in outside a test (`shipflow dev -standins`); Close stops it.
func StartTwilio(accountSID, authToken string) *Twilio {
	tw := &Twilio{accountSID: accountSID, authToken: authToken}
	tw.srv = httptest.NewServer(tw.Control(http.HandlerFunc(tw.serve)))
	return tw
}

// URL is the stand-in's base URL, the value of TWILIO_API_URL.
func (tw *Twilio) URL() string { return tw.srv.URL }

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (tw *Twilio) Close() { tw.srv.Close() }

// Messages returns the messages accepted so far, oldest first.
func (tw *Twilio) Messages() []TwilioMessage {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return slices.Clone(tw.messages)
}

// SignCallback computes the X-Twilio-Signature Twilio sends with a webhook posted to url with
// form: base64 of the HMAC-SHA1, keyed with the auth token, of the full URL followed by every
// parameter name and value, sorted by name. It is computed here independently of twilio-go so
// that tests cross-check shipflow's validator.
func (tw *Twilio) SignCallback(url string, form url.Values) string {
	return TwilioSignature(tw.authToken, url, form)
}

// TwilioSignature is SignCallback for any auth token, for tests without a stand-in running.
func TwilioSignature(authToken, url string, form url.Values) string {
	var b strings.Builder
	b.WriteString(url)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		vs := slices.Clone(form[k])
		slices.Sort(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// StatusCallback builds the form Twilio posts to a message's StatusCallback URL when its
// status changes to status (sent, delivered, undelivered, failed, read); errorCode is the
// Twilio error code of a failure, 0 for none.
func (tw *Twilio) StatusCallback(m TwilioMessage, status string, errorCode int) url.Values {
	form := url.Values{
		"AccountSid":    {tw.accountSID},
		"ApiVersion":    {"2010-04-01"},
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"MessageStatus": {status},
		"SmsStatus":     {status},
		"To":            {m.To},
		"From":          {m.From},
	}
	if m.MessagingServiceSid != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSid)
	}
	if errorCode != 0 {
		form.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return form
}

var (
	e164RE        = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	alphaSenderRE = regexp.MustCompile(`^[A-Za-z0-9 +\-_&]{1,11}$`)
	serviceSIDRE  = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	contentSIDRE  = regexp.MustCompile(`^HX[0-9a-fA-F]{32}$`)
	messagesPath  = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)
	messagePath   = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$`)
)

const maxFormSize = 1 << 20 // far above any valid Messages request

// twilioErrors holds the messages Twilio gives with the error codes the stand-in produces.
var twilioErrors = map[int]string{
	20003: "Authenticate",
	20004: "Method not allowed",
	20404: "The requested resource was not found",
	20429: "Too Many Requests",
	20500: "An internal server error has occurred",
	20503: "Service unavailable",
	20413: "Request Entity Too Large",
	21211: "Invalid 'To' Phone Number",
	21212: "Invalid 'From' Phone Number",
	21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
	21602: "Message body is required.",
	21603: "A 'From' phone number is required.",
	21604: "A 'To' phone number is required.",
	21609: "Invalid 'StatusCallback'",
	21610: "Attempt to send to unsubscribed recipient",
	21617: "The concatenated message body exceeds the 1600 character limit.",
	21655: "The ContentSid is Invalid.",
	21656: "The ContentVariables Parameter is invalid.",
	21701: "The Messaging Service Sid is invalid.",
	21910: "Invalid From and To pair. From and To should be of the same channel",
}

func (tw *Twilio) serve(w http.ResponseWriter, r *http.Request) {
	_, bodyErr := standin.ReadBody(w, r, maxFormSize)
	delay, down, fail := tw.Next()
	if !standin.Wait(r, delay) {
		return
	}
	if down {
		standin.ServeDown(w)
		return
	}
	if fail != nil {
		code := fail.Code
		if code == 0 {
			code = 20000 + fail.Status
		}
		if fail.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		twilioError(w, fail.Status, code, "")
		return
	}
	if one := messagePath.FindStringSubmatch(r.URL.Path); one != nil {
		tw.serveFetch(w, r, one[1], one[2])
		return
	}
	m := messagesPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		twilioError(w, http.StatusNotFound, 20404, "")
		return
	}
	if r.Method != http.MethodPost {
		twilioError(w, http.StatusMethodNotAllowed, 20004, "")
		return
	}
	if !tw.authorized(r) {
		twilioError(w, http.StatusUnauthorized, 20003, "")
		return
	}
	if m[1] != tw.accountSID {
		twilioError(w, http.StatusNotFound, 20404, "")
		return
	}
	if bodyErr != nil {
		twilioError(w, http.StatusRequestEntityTooLarge, 20413, "")
		return
	}
	// Twilio reads parameters only from a form-encoded body: anything else leaves them unset.
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 21604, "")
		return
	}
	msg, status, code, detail := tw.check(r.PostForm)
	if code != 0 {
		twilioError(w, status, code, detail)
		return
	}
	tw.mu.Lock()
	tw.messages = append(tw.messages, msg)
	tw.mu.Unlock()
	if tw.OnAccept != nil {
		tw.OnAccept(msg)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(tw.resource(msg))
}

// authorized reports whether r carries the account's credentials as Basic auth.
func (tw *Twilio) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(tw.accountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(tw.authToken)) == 1
}

// serveFetch answers GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json, Fetch a
// Message, with the message's resource as it stands now (SetStatus), or Twilio's 404 (20404)
// for a message of another account or none at all.
func (tw *Twilio) serveFetch(w http.ResponseWriter, r *http.Request, account, sid string) {
	if r.Method != http.MethodGet {
		twilioError(w, http.StatusMethodNotAllowed, 20004, "")
		return
	}
	if !tw.authorized(r) {
		twilioError(w, http.StatusUnauthorized, 20003, "")
		return
	}
	tw.mu.Lock()
	i := slices.IndexFunc(tw.messages, func(m TwilioMessage) bool { return m.SID == sid })
	var msg TwilioMessage
	if i >= 0 {
		msg = tw.messages[i]
	}
	tw.mu.Unlock()
	if account != tw.accountSID || i < 0 {
		twilioError(w, http.StatusNotFound, 20404, "")
		return
	}
	tw.Fetches.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tw.resource(msg))
}

// SetStatus moves the accepted message sid to status (sent, delivered, undelivered, failed,
// read) with Twilio's errorCode (0 for none), as the carrier's reports do; a later Fetch
// answers it. It reports false when the stand-in has no such message.
func (tw *Twilio) SetStatus(sid, status string, errorCode int) bool {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	i := slices.IndexFunc(tw.messages, func(m TwilioMessage) bool { return m.SID == sid })
	if i < 0 {
		return false
	}
	tw.messages[i].Status, tw.messages[i].ErrorCode = status, errorCode
	return true
}

// check validates a Messages create request as Twilio does and builds the accepted message;
// a non-zero code is the refusal to answer with.
func (tw *Twilio) check(form url.Values) (msg TwilioMessage, status, code int, detail string) {
	bad := func(code int, detail string) (TwilioMessage, int, int, string) {
		return TwilioMessage{}, http.StatusBadRequest, code, detail
	}
	msg = TwilioMessage{
		To:                  form.Get("To"),
		From:                form.Get("From"),
		MessagingServiceSid: form.Get("MessagingServiceSid"),
		Body:                form.Get("Body"),
		ContentSid:          form.Get("ContentSid"),
		StatusCallback:      form.Get("StatusCallback"),
		Status:              "queued",
		DateCreated:         time.Now().UTC().Truncate(time.Second),
		SID:                 "SM" + randomHex(16),
	}
	if msg.To == "" {
		return bad(21604, "")
	}
	toNumber, toWhatsApp := strings.CutPrefix(msg.To, "whatsapp:")
	if !e164RE.MatchString(toNumber) {
		return bad(21211, ": "+msg.To)
	}
	switch {
	case msg.From != "":
		fromNumber, fromWhatsApp := strings.CutPrefix(msg.From, "whatsapp:")
		if !e164RE.MatchString(fromNumber) && (fromWhatsApp || !alphaSenderRE.MatchString(fromNumber)) {
			return bad(21212, ": "+msg.From)
		}
		if fromWhatsApp != toWhatsApp {
			return bad(21910, "")
		}
	case msg.MessagingServiceSid != "":
		// A Messaging Service picks the sender later: Twilio answers "accepted", not "queued".
		msg.Status = "accepted"
	default:
		return bad(21603, "")
	}
	if msg.MessagingServiceSid != "" && !serviceSIDRE.MatchString(msg.MessagingServiceSid) {
		return bad(21701, "")
	}
	if msg.Body == "" && msg.ContentSid == "" {
		return bad(21602, "")
	}
	if utf8.RuneCountInString(msg.Body) > 1600 {
		return bad(21617, "")
	}
	if msg.ContentSid != "" && !contentSIDRE.MatchString(msg.ContentSid) {
		return bad(21655, "")
	}
	if raw := form.Get("ContentVariables"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &msg.ContentVariables); err != nil {
			return bad(21656, "")
		}
	}
	if msg.StatusCallback != "" {
		u, err := url.Parse(msg.StatusCallback)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(21609, "")
		}
	}
	return msg, http.StatusCreated, 0, ""
}

// resource renders an accepted message as Twilio's Message resource JSON.
func (tw *Twilio) resource(m TwilioMessage) map[string]any {
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s", tw.accountSID, m.SID)
	date := m.DateCreated.Format(time.RFC1123Z)
	res := map[string]any{
		"account_sid":           tw.accountSID,
		"api_version":           "2010-04-01",
		"body":                  m.Body,
		"date_created":          date,
		"date_sent":             nil,
		"date_updated":          date,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  nilIfEmpty(m.From),
		"messaging_service_sid": nilIfEmpty(m.MessagingServiceSid),
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                m.Status,
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    m.To,
		"uri":                   uri + ".json",
	}
	if m.From == "" {
		res["num_segments"] = "0" // the Messaging Service has not picked a sender yet
	}
	if m.ErrorCode != 0 {
		res["error_code"] = m.ErrorCode // a number in the resource, a string in a status callback
		res["error_message"] = nilIfEmpty(twilioErrors[m.ErrorCode])
	}
	return res
}

// twilioError answers with Twilio's error body shape.
func twilioError(w http.ResponseWriter, status, code int, detail string) {
	msg, ok := twilioErrors[code]
	if !ok {
		msg = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code":      code,
		"message":   msg + detail,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
