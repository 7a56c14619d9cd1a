package escalatetest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// SlackMessage is one message the Slack stand-in accepted.
type SlackMessage struct {
	Text    string   // the top-level text: the notification and fallback
	Header  string   // the header block's text
	Fields  []string // the section fields' texts, in order
	Texts   []string // the section and context texts, in order
	Buttons []Button
	Raw     json.RawMessage // the body as posted
}

// Slack stands in for a Slack incoming webhook. It is safe for concurrent use.
type Slack struct {
	faults

	srv  *httptest.Server
	path string // /services/T…/B…/secret: the webhook's secret is its path

	mu       sync.Mutex
	messages []SlackMessage
}

// NewSlack starts a Slack incoming webhook stand-in and stops it when the test ends.
func NewSlack(t testing.TB) *Slack {
	t.Helper()
	s := &Slack{path: fmt.Sprintf("/services/T%s/B%s/%s", rand.Text()[:8], rand.Text()[:8], rand.Text())}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// WebhookURL is the webhook's URL, the value of SLACK_WEBHOOK_URL.
func (s *Slack) WebhookURL() string { return s.srv.URL + s.path }

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (s *Slack) Close() { s.srv.Close() }

// Messages returns the messages accepted so far, oldest first.
func (s *Slack) Messages() []SlackMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// slackErrors are the plain-text codes Slack answers a webhook's refusals with.
var slackErrors = map[int]string{
	http.StatusBadRequest:          "invalid_payload",
	http.StatusForbidden:           "invalid_token",
	http.StatusNotFound:            "no_service",
	http.StatusGone:                "channel_is_archived",
	http.StatusTooManyRequests:     "rate_limited",
	http.StatusInternalServerError: "rollup_error",
}

func slackError(w http.ResponseWriter, status int, code string) {
	if code == "" {
		code = slackErrors[status]
	}
	if code == "" {
		code = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	retryAfter(w, status)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(code))
}

func (s *Slack) serve(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := readBody(w, r)
	if status, fail := s.next(); fail {
		slackError(w, status, "")
		return
	}
	switch {
	case r.URL.Path != s.path:
		slackError(w, http.StatusNotFound, "no_service")
	case r.Method != http.MethodPost:
		slackError(w, http.StatusMethodNotAllowed, "invalid_method")
	case bodyErr != nil:
		slackError(w, http.StatusRequestEntityTooLarge, "request_too_large")
	case !isJSON(r):
		// Slack also takes a form with a payload field; shipflow posts JSON only.
		slackError(w, http.StatusBadRequest, "invalid_payload")
	default:
		m, ok := decodeObject(body)
		if !ok {
			slackError(w, http.StatusBadRequest, "invalid_payload")
			return
		}
		msg, code := checkSlack(m)
		if code != "" {
			slackError(w, http.StatusBadRequest, code)
			return
		}
		msg.Raw = raw(body)
		s.mu.Lock()
		s.messages = append(s.messages, msg)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("ok"))
	}
}

// checkSlack validates a webhook message as Slack does, Block Kit limits included, and
// returns what it shows or Slack's error code.
func checkSlack(m map[string]any) (SlackMessage, string) {
	var msg SlackMessage
	text, hasText := m["text"]
	if hasText {
		s, ok := text.(string)
		if !ok {
			return msg, "invalid_payload"
		}
		msg.Text = s
	}
	rawBlocks, hasBlocks := m["blocks"]
	if msg.Text == "" && !hasBlocks {
		if _, ok := m["attachments"]; !ok {
			return msg, "no_text"
		}
	}
	if !hasBlocks {
		return msg, ""
	}
	list, ok := rawBlocks.([]any)
	if !ok {
		return msg, "invalid_blocks_format"
	}
	blocks, ok := objs(list)
	if !ok || len(blocks) > 50 {
		return msg, "invalid_blocks"
	}
	for _, b := range blocks {
		if !slackBlock(b, &msg) {
			return msg, "invalid_blocks"
		}
	}
	return msg, ""
}

// slackBlock checks one block and adds what it shows to msg.
func slackBlock(b map[string]any, msg *SlackMessage) bool {
	typ, _ := str(b, "type")
	switch typ {
	case "header":
		t, ok := obj(b, "text")
		if !ok {
			return false
		}
		s, ok := slackText(t, 150, "plain_text")
		msg.Header = s
		return ok
	case "section":
		t, hasText := obj(b, "text")
		fs, hasFields := arr(b, "fields")
		if !hasText && !hasFields {
			return false
		}
		if hasText {
			s, ok := slackText(t, 3000, "plain_text", "mrkdwn")
			if !ok {
				return false
			}
			msg.Texts = append(msg.Texts, s)
		}
		if hasFields {
			fields, ok := objs(fs)
			if !ok || len(fields) == 0 || len(fields) > 10 {
				return false
			}
			for _, f := range fields {
				s, ok := slackText(f, 2000, "plain_text", "mrkdwn")
				if !ok {
					return false
				}
				msg.Fields = append(msg.Fields, s)
			}
		}
		return true
	case "context":
		es, _ := arr(b, "elements")
		elems, ok := objs(es)
		if !ok || len(elems) == 0 || len(elems) > 10 {
			return false
		}
		for _, e := range elems {
			if t, _ := str(e, "type"); t == "image" {
				continue
			}
			s, ok := slackText(e, 3000, "plain_text", "mrkdwn")
			if !ok {
				return false
			}
			msg.Texts = append(msg.Texts, s)
		}
		return true
	case "actions":
		es, _ := arr(b, "elements")
		elems, ok := objs(es)
		if !ok || len(elems) == 0 || len(elems) > 25 {
			return false
		}
		ids := map[string]bool{}
		for _, e := range elems {
			btn, ok := slackButton(e)
			if !ok {
				return false
			}
			if id, _ := str(e, "action_id"); id != "" {
				if ids[id] {
					return false // action_id must be unique in the block
				}
				ids[id] = true
			}
			msg.Buttons = append(msg.Buttons, btn)
		}
		return true
	case "divider":
		return true
	}
	return false
}

// slackText checks a text object of one of the types, non-empty and at most limit characters.
func slackText(t map[string]any, limit int, types ...string) (string, bool) {
	typ, _ := str(t, "type")
	s, ok := str(t, "text")
	n := utf8.RuneCountInString(s)
	return s, ok && slices.Contains(types, typ) && n > 0 && n <= limit
}

// slackButton checks a button element: plain_text of up to 75 characters, an optional URL of
// up to 3000, an optional style of primary or danger.
func slackButton(e map[string]any) (Button, bool) {
	if t, _ := str(e, "type"); t != "button" {
		return Button{}, false
	}
	t, ok := obj(e, "text")
	if !ok {
		return Button{}, false
	}
	text, ok := slackText(t, 75, "plain_text")
	if !ok {
		return Button{}, false
	}
	b := Button{Text: text}
	if u, has := e["url"]; has {
		s, ok := u.(string)
		if !ok || !isLink(s) || len(s) > 3000 {
			return Button{}, false
		}
		b.URL = s
	}
	if st, has := e["style"]; has {
		s, ok := st.(string)
		if !ok || (s != "primary" && s != "danger") {
			return Button{}, false
		}
		b.Style = s
	}
	if id, _ := str(e, "action_id"); len(id) > 255 {
		return Button{}, false
	}
	return b, true
}
