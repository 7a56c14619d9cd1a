package escalatetest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// TeamsMessage is one card the Teams stand-in accepted.
type TeamsMessage struct {
	Version string   // the Adaptive Card version
	Title   string   // the first TextBlock's text
	Texts   []string // every TextBlock's text, in order, the title included
	Colors  []string // every TextBlock's color ("" for the default), parallel to Texts
	Facts   []Fact   // every FactSet's facts, in order
	Actions []Button // the card's Action.OpenUrl actions (Text is the title)
	Raw     json.RawMessage
}

// Teams stands in for a Microsoft Teams Workflows (Power Automate) webhook trigger whose flow
// posts the card to a channel. It is safe for concurrent use.
type Teams struct {
	faults

	srv  *httptest.Server
	path string // /workflows/<id>/triggers/manual/paths/invoke
	sig  string // the sig query parameter: the webhook's secret

	mu       sync.Mutex
	messages []TeamsMessage
}

// NewTeams starts a Teams Workflows webhook stand-in and stops it when the test ends.
func NewTeams(t testing.TB) *Teams {
	t.Helper()
	tm := &Teams{
		path: fmt.Sprintf("/workflows/%x/triggers/manual/paths/invoke", rand.Text()),
		sig:  rand.Text(),
	}
	tm.srv = httptest.NewServer(http.HandlerFunc(tm.serve))
	t.Cleanup(tm.srv.Close)
	return tm
}

// WebhookURL is the webhook's URL, the value of TEAMS_WEBHOOK_URL, shaped like a Workflows
// trigger URL.
func (tm *Teams) WebhookURL() string {
	return tm.srv.URL + tm.path + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + tm.sig
}

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (tm *Teams) Close() { tm.srv.Close() }

// Messages returns the cards accepted so far, oldest first.
func (tm *Teams) Messages() []TeamsMessage {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return slices.Clone(tm.messages)
}

// teamsErrors are the Azure error codes the stand-in answers with.
var teamsErrors = map[int]string{
	http.StatusBadRequest:          "InvalidRequestContent",
	http.StatusUnauthorized:        "DirectApiInvalidAuthorizationSignature",
	http.StatusForbidden:           "AuthorizationFailed",
	http.StatusNotFound:            "WorkflowNotFound",
	http.StatusTooManyRequests:     "WorkflowRequestsThrottled",
	http.StatusInternalServerError: "InternalServerError",
	http.StatusBadGateway:          "BadGateway",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
}

func teamsError(w http.ResponseWriter, status int, message string) {
	code := teamsErrors[status]
	if code == "" {
		code = http.StatusText(status)
	}
	if message == "" {
		message = http.StatusText(status)
	}
	retryAfter(w, status)
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func (tm *Teams) serve(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := readBody(w, r)
	if status, fail := tm.next(); fail {
		teamsError(w, status, "")
		return
	}
	switch {
	case r.URL.Path != tm.path:
		teamsError(w, http.StatusNotFound, "The workflow could not be found.")
	case subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("sig")), []byte(tm.sig)) != 1:
		teamsError(w, http.StatusUnauthorized, "The provided authorization signature is not valid.")
	case r.Method != http.MethodPost:
		teamsError(w, http.StatusMethodNotAllowed, "The trigger accepts POST only.")
	case bodyErr != nil:
		teamsError(w, http.StatusRequestEntityTooLarge, "The request content is too large.")
	case !isJSON(r):
		teamsError(w, http.StatusUnsupportedMediaType, "The request content type must be application/json.")
	default:
		m, ok := decodeObject(body)
		if !ok {
			teamsError(w, http.StatusBadRequest, "The request content is not valid JSON.")
			return
		}
		msg, problem := checkTeams(m)
		if problem != "" {
			teamsError(w, http.StatusBadRequest, problem)
			return
		}
		msg.Raw = raw(body)
		tm.mu.Lock()
		tm.messages = append(tm.messages, msg)
		tm.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}
}

// checkTeams validates the message envelope and its Adaptive Card the way the flow's "post
// card" step and Teams would, and returns what the card shows or what is wrong.
func checkTeams(m map[string]any) (TeamsMessage, string) {
	var msg TeamsMessage
	if t, _ := str(m, "type"); t != "message" {
		return msg, `type must be "message"`
	}
	as, _ := arr(m, "attachments")
	atts, ok := objs(as)
	if !ok || len(atts) != 1 {
		return msg, "attachments must hold one card"
	}
	att := atts[0]
	if ct, _ := str(att, "contentType"); ct != "application/vnd.microsoft.card.adaptive" {
		return msg, "contentType must be application/vnd.microsoft.card.adaptive"
	}
	if u, has := att["contentUrl"]; has && u != nil {
		return msg, "contentUrl must be null: the card travels inline"
	}
	card, ok := obj(att, "content")
	if !ok {
		return msg, "content must be an Adaptive Card"
	}
	if t, _ := str(card, "type"); t != "AdaptiveCard" {
		return msg, `content.type must be "AdaptiveCard"`
	}
	msg.Version, _ = str(card, "version")
	if !slices.Contains([]string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}, msg.Version) {
		return msg, "content.version must be an Adaptive Card version Teams renders (1.0 to 1.5)"
	}
	bs, _ := arr(card, "body")
	body, ok := objs(bs)
	if !ok || len(body) == 0 {
		return msg, "content.body must hold elements"
	}
	for i, e := range body {
		switch t, _ := str(e, "type"); t {
		case "TextBlock":
			s, ok := str(e, "text")
			if !ok || s == "" {
				return msg, fmt.Sprintf("body[%d]: a TextBlock needs text", i)
			}
			c, _ := str(e, "color")
			if c != "" && !slices.Contains([]string{"Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"}, c) {
				return msg, fmt.Sprintf("body[%d]: unknown color %q", i, c)
			}
			if msg.Title == "" {
				msg.Title = s
			}
			msg.Texts = append(msg.Texts, s)
			msg.Colors = append(msg.Colors, c)
		case "FactSet":
			fs, _ := arr(e, "facts")
			facts, ok := objs(fs)
			if !ok || len(facts) == 0 {
				return msg, fmt.Sprintf("body[%d]: a FactSet needs facts", i)
			}
			for _, f := range facts {
				title, ok1 := str(f, "title")
				value, ok2 := str(f, "value")
				if !ok1 || !ok2 {
					return msg, fmt.Sprintf("body[%d]: a fact needs a title and a value", i)
				}
				msg.Facts = append(msg.Facts, Fact{Label: title, Value: value})
			}
		case "Container", "ColumnSet", "Image", "ActionSet", "RichTextBlock":
		default:
			return msg, fmt.Sprintf("body[%d]: unknown element type %q", i, t)
		}
	}
	as, _ = arr(card, "actions")
	actions, ok := objs(as)
	if !ok {
		return msg, "content.actions must be a list of actions"
	}
	for i, a := range actions {
		switch t, _ := str(a, "type"); t {
		case "Action.OpenUrl":
		case "Action.ShowCard", "Action.ToggleVisibility":
			continue
		default:
			// Action.Submit and Action.Execute need a bot to answer them; a flow has none.
			return msg, fmt.Sprintf("actions[%d]: a card posted by a flow cannot use %q", i, t)
		}
		title, _ := str(a, "title")
		u, _ := str(a, "url")
		if title == "" || !isLink(u) {
			return msg, fmt.Sprintf("actions[%d]: Action.OpenUrl needs a title and an absolute URL", i)
		}
		style, _ := str(a, "style")
		if style != "" && !slices.Contains([]string{"default", "positive", "destructive"}, style) {
			return msg, fmt.Sprintf("actions[%d]: unknown style %q", i, style)
		}
		msg.Actions = append(msg.Actions, Button{Text: title, URL: u, Style: style})
	}
	return msg, ""
}
