package providertest

import (
	"crypto/subtle"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	guuid "github.com/google/uuid"

	"github.com/shipflow/shipflow/internal/standin"
	"github.com/shipflow/shipflow/notify/onesignal"
)

// OneSignal's own messages, as its API answers them.
const (
	oneSignalAccessDenied = "Access denied.  Please include an 'Authorization: ...' header with a valid API key (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."
	oneSignalNoAppID      = "app_id not found. You may be missing a Content-Type: application/json header."
	oneSignalNoTargeting  = "You must include which players, segments, or tags you wish to send this notification to."
	oneSignalNoEnglish    = "Notifications must have English language content"
	oneSignalRateLimit    = "API rate limit exceeded."
)

// maxOneSignalBody bounds a Create Notification request the stand-in reads.
const maxOneSignalBody = 1 << 20

// OneSignalPush is one push notification the OneSignal stand-in created.
type OneSignalPush struct {
	ID             string // the notification id answered
	ExternalID     string // the targeted user's external id
	TargetChannel  string
	Headings       map[string]string
	Contents       map[string]string
	URL            string
	Data           map[string]string
	IdempotencyKey string
}

// OneSignal stands in for OneSignal's Create Notification API (POST /notifications, push
// channel, users targeted by external id). It checks the REST API key, the app, the JSON body
// and its targeting as OneSignal does, knows which users have a push subscription, keeps
// idempotency keys (a repeated key is answered with the first notification and sends nothing
// more), and answers OneSignal's status codes and error bodies. It is safe for concurrent use.
type OneSignal struct {
	faults

	// OnAccept, when set before the first request, is called with every created notification
	// after it is recorded and before the answer is written.
	OnAccept func(OneSignalPush)
	// EveryoneSubscribed, when set before the first request, makes every external id not
	// named by Unsubscribe or Subscribe a user with a push subscription (dev's stand-in, which
	// has no app to log users in).
	EveryoneSubscribed bool
	// Requests counts every request served, refused ones included.
	Requests atomic.Int64

	appID, apiKey string
	srv           *httptest.Server

	mu         sync.Mutex
	pushes     []OneSignalPush
	users      map[string]bool   // external id → has a push subscription
	idempotent map[string][]byte // idempotency key → the answer given
}

// NewOneSignal starts a OneSignal stand-in for app appID that accepts apiKey ("Authorization:
// Key <apiKey>"), and stops it when the test ends. It knows no users until Subscribe.
func NewOneSignal(t testing.TB, appID, apiKey string) *OneSignal {
	t.Helper()
	o := StartOneSignal(appID, apiKey)
	t.Cleanup(o.Close)
	return o
}

// StartOneSignal starts a OneSignal stand-in outside a test (`shipflow dev -standins`); Close
// stops it.
func StartOneSignal(appID, apiKey string) *OneSignal {
	o := &OneSignal{appID: appID, apiKey: apiKey, users: map[string]bool{}, idempotent: map[string][]byte{}}
	o.srv = httptest.NewServer(o.Control(http.HandlerFunc(o.serve)))
	return o
}

// Close stops the stand-in.
func (o *OneSignal) Close() { o.srv.Close() }

// URL is the stand-in's base URL, the value of ONESIGNAL_API_URL.
func (o *OneSignal) URL() string { return o.srv.URL }

// Subscribe makes users with these external ids, each with a push subscription (the app
// called OneSignal.login with the id and the customer allowed notifications).
func (o *OneSignal) Subscribe(externalIDs ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range externalIDs {
		o.users[id] = true
	}
}

// Unsubscribe keeps the user but ends their push subscription (the customer turned
// notifications off): OneSignal then answers NoSubscribers for them.
func (o *OneSignal) Unsubscribe(externalID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.users[externalID] = false
}

// Pushes returns the notifications created so far, oldest first.
func (o *OneSignal) Pushes() []OneSignalPush {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.pushes)
}

func (o *OneSignal) serve(w http.ResponseWriter, r *http.Request) {
	o.Requests.Add(1)
	body, bodyErr := standin.ReadBody(w, r, maxOneSignalBody)
	delay, down, fail := o.Next()
	if !standin.Wait(r, delay) {
		return
	}
	if down {
		standin.ServeDown(w)
		return
	}
	if fail != nil {
		msg := http.StatusText(fail.Status)
		if fail.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
			msg = oneSignalRateLimit
		}
		oneSignalError(w, fail.Status, msg)
		return
	}
	if r.URL.Path != "/notifications" {
		oneSignalError(w, http.StatusNotFound, "Not Found")
		return
	}
	if c := r.URL.Query().Get("c"); c != "" && c != onesignal.TargetChannelPush {
		oneSignalError(w, http.StatusBadRequest, "this stand-in serves the push channel only, got c="+c)
		return
	}
	// The edge checks the key before anything else: a wrong one is the same 403 whatever the body.
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Key ")
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(o.apiKey)) != 1 {
		oneSignalError(w, http.StatusForbidden, oneSignalAccessDenied)
		return
	}
	if r.Method != http.MethodPost {
		oneSignalError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if bodyErr != nil {
		oneSignalError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	var n onesignal.Notification
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" || json.Unmarshal(body, &n) != nil || n.AppID == "" {
		oneSignalError(w, http.StatusBadRequest, oneSignalNoAppID)
		return
	}
	if n.AppID != o.appID { // a key is the app's own: another app's id is refused like a wrong key
		oneSignalError(w, http.StatusForbidden, oneSignalAccessDenied)
		return
	}
	if msg := checkOneSignal(n); msg != "" {
		oneSignalError(w, http.StatusBadRequest, msg)
		return
	}
	o.create(w, n)
}

// create answers a checked request: the answer a repeated idempotency key got before, or a
// new notification, or OneSignal's 200 that sent nothing.
func (o *OneSignal) create(w http.ResponseWriter, n onesignal.Notification) {
	o.mu.Lock()
	answer, repeated := o.idempotent[n.IdempotencyKey]
	var created *OneSignalPush
	if !repeated {
		ids := n.IncludeAliases[onesignal.AliasExternalID]
		var unknown, subscribed []string
		for _, id := range ids {
			sub, known := o.users[id]
			if !known && o.EveryoneSubscribed {
				sub, known = true, true
			}
			switch {
			case !known:
				unknown = append(unknown, id)
			case sub:
				subscribed = append(subscribed, id)
			}
		}
		var a map[string]any
		switch {
		case len(subscribed) == 0 && len(unknown) > 0:
			a = map[string]any{"id": "", "errors": map[string]any{"invalid_aliases": map[string][]string{onesignal.AliasExternalID: unknown}}}
		case len(subscribed) == 0:
			a = map[string]any{"id": "", "errors": []string{onesignal.NoSubscribers}}
		default:
			id := uuid()
			a = map[string]any{"id": id, "external_id": nil}
			if len(unknown) > 0 {
				a["errors"] = map[string]any{"invalid_aliases": map[string][]string{onesignal.AliasExternalID: unknown}}
			}
			for _, ext := range subscribed {
				p := OneSignalPush{ID: id, ExternalID: ext, TargetChannel: n.TargetChannel, Headings: n.Headings,
					Contents: n.Contents, URL: n.URL, Data: n.Data, IdempotencyKey: n.IdempotencyKey}
				o.pushes = append(o.pushes, p)
				created = &p
			}
		}
		answer, _ = json.Marshal(a) // maps of plain values always marshal
		if n.IdempotencyKey != "" {
			o.idempotent[n.IdempotencyKey] = answer
		}
	}
	o.mu.Unlock()
	if created != nil && o.OnAccept != nil {
		o.OnAccept(*created)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(answer)
}

// checkOneSignal validates a Create Notification body as OneSignal does for a push to users by
// alias, and returns its message for the first problem, or "".
func checkOneSignal(n onesignal.Notification) string {
	ids := n.IncludeAliases[onesignal.AliasExternalID]
	switch {
	case len(n.IncludeAliases) == 0 || len(ids) == 0:
		return oneSignalNoTargeting
	case len(n.IncludeAliases) != 1:
		return "include_aliases: only one alias label may be targeted at a time"
	case len(ids) > 20_000:
		return "include_aliases: at most 20000 aliases per request"
	case n.TargetChannel == "":
		return "target_channel is required when targeting include_aliases"
	case n.TargetChannel != onesignal.TargetChannelPush:
		return "target_channel must be one of push, email, sms"
	case n.Contents[onesignal.DefaultLanguage] == "":
		return oneSignalNoEnglish
	}
	for _, id := range ids {
		if id == "" || len(id) > 128 {
			return "include_aliases: external_id must be 1 to 128 characters"
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(n.Headings)) {
		if _, ok := n.Contents[lang]; !ok {
			return "headings language " + lang + " must also be in contents"
		}
	}
	if n.IdempotencyKey != "" {
		if _, err := guuid.Parse(n.IdempotencyKey); err != nil {
			return "idempotency_key must be a valid UUID"
		}
	}
	if n.URL != "" {
		if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "url must be a valid http or https URL"
		}
	}
	return ""
}

// oneSignalError answers with OneSignal's error body: {"errors": [message]}.
func oneSignalError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string][]string{"errors": {msg}})
}
