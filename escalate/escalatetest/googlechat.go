package escalatetest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// GoogleChatMessage is one message the Google Chat stand-in accepted.
type GoogleChatMessage struct {
	Name        string // spaces/<space>/messages/<id>
	Thread      string // the thread it went to: spaces/<space>/threads/<id>
	ThreadKey   string // the thread.threadKey it asked for
	ReplyOption string // the messageReplyOption query parameter
	Text        string
	Title       string   // the first card's header title
	Subtitle    string   // the first card's header subtitle
	Fields      []Fact   // the cards' decoratedText widgets (topLabel, text), in order
	Paragraphs  []string // the cards' textParagraph texts, in order
	Buttons     []Button // the cards' buttons with openLink (Style "filled" when coloured)
	Raw         json.RawMessage
}

// GoogleChat stands in for a Google Chat space's incoming webhook, threads included: a
// message with a thread key goes to that key's thread only when messageReplyOption asks for
// it, as in Chat; otherwise each message starts a thread. It is safe for concurrent use.
type GoogleChat struct {
	faults

	srv        *httptest.Server
	space      string
	key, token string // the webhook's secrets, in its query

	mu       sync.Mutex
	messages []GoogleChatMessage
	threads  map[string]string // thread key → thread name
}

// NewGoogleChat starts a Google Chat incoming webhook stand-in and stops it when the test ends.
func NewGoogleChat(t testing.TB) *GoogleChat {
	t.Helper()
	g := &GoogleChat{
		space:   "AAAA" + rand.Text()[:7],
		key:     "AIzaSy" + rand.Text(),
		token:   rand.Text() + "=", // Chat's tokens end in a base64 pad, escaped in the URL
		threads: map[string]string{},
	}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// WebhookURL is the webhook's URL as Chat shows it, the value of GOOGLE_CHAT_WEBHOOK_URL.
func (g *GoogleChat) WebhookURL() string {
	return fmt.Sprintf("%s/v1/spaces/%s/messages?key=%s&token=%s", g.srv.URL, g.space, g.key, url.QueryEscape(g.token))
}

// Close stops the stand-in early, so that clients meet a refused connection; it is also done
// when the test ends.
func (g *GoogleChat) Close() { g.srv.Close() }

// Messages returns the messages accepted so far, oldest first.
func (g *GoogleChat) Messages() []GoogleChatMessage {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.messages)
}

// googleStatus is the canonical status Google APIs name with each HTTP status.
var googleStatus = map[int]string{
	http.StatusBadRequest:          "INVALID_ARGUMENT",
	http.StatusUnauthorized:        "UNAUTHENTICATED",
	http.StatusForbidden:           "PERMISSION_DENIED",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusConflict:            "ALREADY_EXISTS",
	http.StatusTooManyRequests:     "RESOURCE_EXHAUSTED",
	http.StatusInternalServerError: "INTERNAL",
	http.StatusServiceUnavailable:  "UNAVAILABLE",
	http.StatusGatewayTimeout:      "DEADLINE_EXCEEDED",
}

func googleError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		message = http.StatusText(status)
	}
	st := googleStatus[status]
	if st == "" {
		st = "UNKNOWN"
	}
	retryAfter(w, status)
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": message, "status": st}})
}

func (g *GoogleChat) serve(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := readBody(w, r)
	if status, fail := g.next(); fail {
		googleError(w, status, "")
		return
	}
	q := r.URL.Query()
	option := q.Get("messageReplyOption")
	switch {
	case r.URL.Path != "/v1/spaces/"+g.space+"/messages":
		googleError(w, http.StatusNotFound, "Requested entity was not found.")
	case r.Method != http.MethodPost:
		googleError(w, http.StatusMethodNotAllowed, "")
	case subtle.ConstantTimeCompare([]byte(q.Get("key")), []byte(g.key)) != 1:
		googleError(w, http.StatusBadRequest, "API key not valid. Please pass a valid API key.")
	case subtle.ConstantTimeCompare([]byte(q.Get("token")), []byte(g.token)) != 1:
		googleError(w, http.StatusUnauthorized, "Request had invalid authentication credentials.")
	case option != "" && !slices.Contains([]string{"MESSAGE_REPLY_OPTION_UNSPECIFIED", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD", "REPLY_MESSAGE_OR_FAIL"}, option):
		googleError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value at 'message_reply_option' (type.googleapis.com/google.chat.v1.CreateMessageRequest.MessageReplyOption), %q", option))
	case bodyErr != nil:
		googleError(w, http.StatusRequestEntityTooLarge, "Message is too large.")
	case !isJSON(r):
		googleError(w, http.StatusBadRequest, "Invalid JSON payload received: the content type must be application/json.")
	default:
		m, ok := decodeObject(body)
		if !ok {
			googleError(w, http.StatusBadRequest, "Invalid JSON payload received.")
			return
		}
		msg, problem := checkGoogleChat(m)
		if problem != "" {
			googleError(w, http.StatusBadRequest, problem)
			return
		}
		msg.ReplyOption = option
		msg.Raw = raw(body)
		writeJSON(w, http.StatusOK, g.record(msg))
	}
}

// record files msg in its thread, as Chat does, and returns the created message's answer.
func (g *GoogleChat) record(msg GoogleChatMessage) map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	reply := msg.ReplyOption == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" || msg.ReplyOption == "REPLY_MESSAGE_OR_FAIL"
	if name, ok := g.threads[msg.ThreadKey]; ok && reply && msg.ThreadKey != "" {
		msg.Thread = name
	} else {
		msg.Thread = fmt.Sprintf("spaces/%s/threads/%s", g.space, rand.Text()[:11])
		if reply && msg.ThreadKey != "" {
			g.threads[msg.ThreadKey] = msg.Thread
		}
	}
	msg.Name = fmt.Sprintf("spaces/%s/messages/%s", g.space, rand.Text()[:20])
	g.messages = append(g.messages, msg)
	thread := map[string]any{"name": msg.Thread}
	if reply && msg.ThreadKey != "" {
		thread["threadKey"] = msg.ThreadKey
	}
	return map[string]any{
		"name":       msg.Name,
		"sender":     map[string]any{"name": "users/114022495153014004089", "displayName": "shipflow", "type": "BOT"},
		"createTime": time.Now().UTC().Format(time.RFC3339Nano),
		"text":       msg.Text,
		"thread":     thread,
		"space":      map[string]any{"name": "spaces/" + g.space, "type": "ROOM", "spaceType": "SPACE"},
	}
}

// Message fields, card fields and widgets Chat knows; it refuses unknown names.
var (
	chatMessageKeys = []string{"text", "cardsV2", "cards", "thread", "fallbackText", "accessoryWidgets",
		"privateMessageViewer", "attachment", "annotations", "formattedText", "name", "sender", "createTime"}
	chatCardKeys   = []string{"header", "sections", "cardActions", "name", "fixedFooter", "displayStyle", "peekCardHeader", "sectionDividerStyle"}
	chatWidgetKeys = []string{"textParagraph", "decoratedText", "buttonList", "image", "divider", "columns", "grid",
		"selectionInput", "textInput", "dateTimePicker", "chipList", "carousel", "horizontalAlignment"}
)

// checkGoogleChat validates a message as Chat does for an incoming webhook and returns what
// it shows or why it is refused.
func checkGoogleChat(m map[string]any) (GoogleChatMessage, string) {
	var msg GoogleChatMessage
	if k, bad := unknownKey(m, chatMessageKeys...); bad {
		return msg, fmt.Sprintf("Invalid JSON payload received. Unknown name %q at 'message': Cannot find field.", k)
	}
	msg.Text, _ = str(m, "text")
	if th, has := m["thread"]; has {
		t, ok := th.(map[string]any)
		if !ok {
			return msg, "Invalid value at 'message.thread'"
		}
		if k, bad := unknownKey(t, "name", "threadKey"); bad {
			return msg, fmt.Sprintf("Invalid JSON payload received. Unknown name %q at 'message.thread': Cannot find field.", k)
		}
		msg.ThreadKey, _ = str(t, "threadKey")
		if len(msg.ThreadKey) > 4000 {
			return msg, "Thread key is longer than 4000 characters."
		}
	}
	cs, hasCards := arr(m, "cardsV2")
	if msg.Text == "" && (!hasCards || len(cs) == 0) {
		return msg, "Message cannot be empty. Discarded message must include text or cardsV2."
	}
	cards, ok := objs(cs)
	if !ok {
		return msg, "Invalid value at 'message.cards_v2'"
	}
	for i, cw := range cards {
		if k, bad := unknownKey(cw, "cardId", "card"); bad {
			return msg, fmt.Sprintf("Invalid JSON payload received. Unknown name %q at 'message.cards_v2[%d]': Cannot find field.", k, i)
		}
		card, ok := obj(cw, "card")
		if !ok {
			return msg, fmt.Sprintf("message.cards_v2[%d].card is required", i)
		}
		if problem := chatCard(card, i, &msg); problem != "" {
			return msg, problem
		}
	}
	return msg, ""
}

// chatCard checks one card and adds what it shows to msg.
func chatCard(card map[string]any, i int, msg *GoogleChatMessage) string {
	at := fmt.Sprintf("message.cards_v2[%d].card", i)
	if k, bad := unknownKey(card, chatCardKeys...); bad {
		return fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, at)
	}
	if h, has := obj(card, "header"); has {
		title, _ := str(h, "title")
		if title == "" {
			return at + ".header.title is required"
		}
		if msg.Title == "" {
			msg.Title = title
			msg.Subtitle, _ = str(h, "subtitle")
		}
	}
	ss, _ := arr(card, "sections")
	sections, ok := objs(ss)
	if !ok || len(sections) == 0 {
		return at + ".sections must hold at least one section"
	}
	for j, s := range sections {
		ws, _ := arr(s, "widgets")
		widgets, ok := objs(ws)
		if !ok || len(widgets) == 0 {
			return fmt.Sprintf("%s.sections[%d].widgets must hold at least one widget", at, j)
		}
		for k, w := range widgets {
			if problem := chatWidget(w, fmt.Sprintf("%s.sections[%d].widgets[%d]", at, j, k), msg); problem != "" {
				return problem
			}
		}
	}
	return ""
}

// chatWidget checks one widget, which must be of exactly one kind.
func chatWidget(w map[string]any, at string, msg *GoogleChatMessage) string {
	if k, bad := unknownKey(w, chatWidgetKeys...); bad {
		return fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, at)
	}
	kinds := 0
	for k := range w {
		if k != "horizontalAlignment" {
			kinds++
		}
	}
	if kinds != 1 {
		return at + " must set exactly one widget kind"
	}
	if tp, ok := obj(w, "textParagraph"); ok {
		s, _ := str(tp, "text")
		if s == "" {
			return at + ".text_paragraph.text is required"
		}
		msg.Paragraphs = append(msg.Paragraphs, s)
	}
	if dt, ok := obj(w, "decoratedText"); ok {
		s, _ := str(dt, "text")
		if s == "" {
			return at + ".decorated_text.text is required"
		}
		label, _ := str(dt, "topLabel")
		msg.Fields = append(msg.Fields, Fact{Label: label, Value: s})
	}
	if bl, ok := obj(w, "buttonList"); ok {
		bs, _ := arr(bl, "buttons")
		buttons, ok := objs(bs)
		if !ok || len(buttons) == 0 {
			return at + ".button_list.buttons must hold at least one button"
		}
		for n, b := range buttons {
			text, _ := str(b, "text")
			click, _ := obj(b, "onClick")
			link, _ := obj(click, "openLink")
			u, _ := str(link, "url")
			if text == "" || !isLink(u) {
				return fmt.Sprintf("%s.button_list.buttons[%d] needs text and onClick.openLink.url", at, n)
			}
			btn := Button{Text: text, URL: u}
			if _, coloured := b["color"]; coloured {
				btn.Style = "filled"
			}
			msg.Buttons = append(msg.Buttons, btn)
		}
	}
	return ""
}
