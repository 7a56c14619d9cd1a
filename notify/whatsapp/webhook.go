package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shipflow/shipflow/notify"
)

// SignatureHeader carries Meta's signature of a webhook post: "sha256=" and the hex
// HMAC-SHA256 of the raw body, keyed with the app secret.
const SignatureHeader = "X-Hub-Signature-256"

// signaturePrefix starts the header's value.
const signaturePrefix = "sha256="

// maxSignature bounds the header: the prefix and 64 hex digits, with room to spare.
const maxSignature = 128

// Sign computes a webhook signature as Meta does: "sha256=" and the hex HMAC-SHA256 of body
// keyed with appSecret.
func Sign(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header (X-Hub-Signature-256) signs body with appSecret. The hex
// digits may be in either case: they are compared as the bytes they stand for.
func Verify(appSecret, header string, body []byte) bool {
	if appSecret == "" || len(header) > maxSignature {
		return false
	}
	digits, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(digits)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// The subscription handshake's hub.mode.
const modeSubscribe = "subscribe"

// maxChallenge bounds the hub.challenge echoed back: Meta's is a number of about ten digits.
const maxChallenge = 64

// Handshake errors.
var (
	ErrNotSubscribe = errors.New("hub.mode is not subscribe")
	ErrVerifyToken  = errors.New("hub.verify_token does not match")
	ErrChallenge    = errors.New("hub.challenge is missing or not digits")
)

// Challenge answers Meta's subscription handshake (GET with hub.mode=subscribe,
// hub.verify_token and hub.challenge): the challenge to echo when the token is ours. The
// challenge must be digits, so nothing a caller chose is echoed but a number.
func Challenge(mode, token, challenge, verifyToken string) (string, error) {
	switch {
	case mode != modeSubscribe:
		return "", ErrNotSubscribe
	case verifyToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(verifyToken)) != 1:
		return "", ErrVerifyToken
	case challenge == "" || len(challenge) > maxChallenge || strings.IndexFunc(challenge, notDigit) >= 0:
		return "", ErrChallenge
	}
	return challenge, nil
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// Statuses of a sent message as status webhooks report them.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// logStatuses maps the Cloud API's statuses onto the notification log's. Others (deleted,
// warning) say nothing about delivery.
var logStatuses = map[string]notify.Status{
	StatusSent: notify.StatusSent, StatusDelivered: notify.StatusDelivered, StatusRead: notify.StatusDelivered,
	StatusFailed: notify.StatusFailed,
}

// LogStatus is the notification log's status for a status webhook's status; false when it
// says nothing about delivery.
func LogStatus(s string) (notify.Status, bool) {
	st, ok := logStatuses[s]
	return st, ok
}

// Limits on the fields shipflow takes from a webhook, checked by ParseWebhook. Meta's are
// smaller: a wamid is at most 128 characters, a wa_id a phone number's digits, a text at
// most 4096 characters.
const (
	MaxMessageID = 128
	MaxWAID      = 20
	MaxText      = 4096
	maxErrorText = 500
)

// The object and field of the webhooks shipflow reads.
const (
	objectWABA    = "whatsapp_business_account"
	fieldMessages = "messages"
)

// Inbound message types whose words shipflow reads: a typed text, and the text of a quick
// reply button (a template's "Stop" button arrives so).
const (
	inboundText   = "text"
	inboundButton = "button"
)

// Status is one entry of a webhook's statuses[]: what became of a message we sent.
type Status struct {
	MessageID   string // the wamid the send answered
	Status      string // sent, delivered, read, failed
	RecipientID string // the customer's wa_id
	Errors      []Error
}

// Error is one of a failed status's errors[].
type Error struct {
	Code    int
	Title   string
	Details string
}

// Reason is a failed status's errors as the notification log records them, e.g.
// "whatsapp error 131047: Re-engagement message".
func (s Status) Reason() string {
	var parts []string
	for _, e := range s.Errors {
		p := fmt.Sprintf("whatsapp error %d", e.Code)
		if e.Title != "" {
			p += ": " + e.Title
		}
		parts = append(parts, p)
	}
	r := strings.Join(parts, "; ")
	if len(r) > maxErrorText {
		r = clip(r)
	}
	return r
}

// Text is a customer's text from a webhook's messages[].
type Text struct {
	MessageID string
	From      string // the customer's wa_id: the digits of their number
	Body      string
}

// Webhook is what one webhook post says that shipflow acts on.
type Webhook struct {
	Statuses []Status
	Texts    []Text
}

// The webhook's JSON, reduced to what shipflow reads.
type (
	rawWebhook struct {
		Object string `json:"object"`
		Entry  []struct {
			ID      string `json:"id"`
			Changes []struct {
				Field string   `json:"field"`
				Value rawValue `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	rawValue struct {
		MessagingProduct string `json:"messaging_product"`
		Statuses         []struct {
			ID          string `json:"id"`
			Status      string `json:"status"`
			RecipientID string `json:"recipient_id"`
			Errors      []struct {
				Code      int    `json:"code"`
				Title     string `json:"title"`
				Message   string `json:"message"`
				ErrorData struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"errors"`
		} `json:"statuses"`
		Messages []struct {
			ID   string `json:"id"`
			From string `json:"from"`
			Type string `json:"type"`
			Text *struct {
				Body string `json:"body"`
			} `json:"text"`
			Button *struct {
				Text string `json:"text"`
			} `json:"button"`
		} `json:"messages"`
	}
)

// ErrNotJSON: a webhook body is not the JSON shape of Meta's webhooks.
var ErrNotJSON = errors.New("not a JSON object of object and entry")

// ParseWebhook reads a webhook post of the messages field: its statuses and its customers'
// texts (other message types, and other fields, are skipped). It fails on a body of another
// shape or a field shipflow would store that breaks its limits (lengths, character sets),
// so such a post is answered 400. Verify the signature before calling it.
func ParseWebhook(body []byte) (Webhook, error) {
	var raw rawWebhook
	if err := json.Unmarshal(body, &raw); err != nil {
		return Webhook{}, fmt.Errorf("whatsapp webhook: %w: %w", ErrNotJSON, err)
	}
	if raw.Object != objectWABA {
		return Webhook{}, fmt.Errorf("whatsapp webhook: object is %q, not %s", clip(raw.Object), objectWABA)
	}
	var wh Webhook
	for _, e := range raw.Entry {
		for _, c := range e.Changes {
			if c.Field != fieldMessages {
				continue
			}
			if err := wh.add(c.Value); err != nil {
				return Webhook{}, fmt.Errorf("whatsapp webhook: %w", err)
			}
		}
	}
	return wh, nil
}

// add takes one change's statuses and texts, checked.
func (wh *Webhook) add(v rawValue) error {
	for i, s := range v.Statuses {
		if err := checkID(fmt.Sprintf("statuses[%d].id", i), s.ID, MaxMessageID); err != nil {
			return err
		}
		if s.Status == "" || len(s.Status) > 32 || strings.IndexFunc(s.Status, notLower) >= 0 {
			return fmt.Errorf("statuses[%d].status %q is not a status", i, clip(s.Status))
		}
		if err := checkWAID(fmt.Sprintf("statuses[%d].recipient_id", i), s.RecipientID, false); err != nil {
			return err
		}
		st := Status{MessageID: s.ID, Status: s.Status, RecipientID: s.RecipientID}
		for _, e := range s.Errors {
			title := e.Title
			if title == "" {
				title = e.Message
			}
			st.Errors = append(st.Errors, Error{Code: e.Code, Title: title, Details: e.ErrorData.Details})
		}
		wh.Statuses = append(wh.Statuses, st)
	}
	for i, m := range v.Messages {
		var body string
		switch {
		case m.Type == inboundText && m.Text != nil:
			body = m.Text.Body
		case m.Type == inboundButton && m.Button != nil:
			body = m.Button.Text
		default:
			continue // media, reactions, locations: nothing a keyword can be
		}
		if err := checkWAID(fmt.Sprintf("messages[%d].from", i), m.From, true); err != nil {
			return err
		}
		if err := checkID(fmt.Sprintf("messages[%d].id", i), m.ID, MaxMessageID); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("messages[%d].text.body", i), body); err != nil {
			return err
		}
		wh.Texts = append(wh.Texts, Text{MessageID: m.ID, From: m.From, Body: body})
	}
	return nil
}

// checkID refuses an id that is empty, longer than limit or outside the characters of a
// wamid ("wamid." and base64, possibly URL-safe).
func checkID(name, id string, limit int) error {
	switch {
	case id == "":
		return fmt.Errorf("%s is missing", name)
	case len(id) > limit:
		return fmt.Errorf("%s is longer than %d characters", name, limit)
	case strings.IndexFunc(id, notIDChar) >= 0:
		return fmt.Errorf("%s holds a character a message id cannot hold", name)
	}
	return nil
}

func notIDChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".=+/_-", r))
}

func notLower(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_') }

// checkWAID refuses a wa_id that is not a phone number's digits; an absent one only when
// required.
func checkWAID(name, id string, required bool) error {
	switch {
	case id == "" && !required:
		return nil
	case id == "":
		return fmt.Errorf("%s is missing", name)
	case len(id) > MaxWAID || strings.IndexFunc(id, notDigit) >= 0:
		return fmt.Errorf("%s is not a WhatsApp id (the digits of a phone number)", name)
	}
	return nil
}

// checkText refuses a customer's text that is longer than WhatsApp allows or holds control
// characters other than line breaks and tabs (a NUL never comes from a phone). Invalid UTF-8
// cannot reach it: JSON decoding has made it U+FFFD.
func checkText(name, s string) error {
	if utf8.RuneCountInString(s) > MaxText {
		return fmt.Errorf("%s is longer than %d characters", name, MaxText)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return fmt.Errorf("%s holds a control character", name)
	}
	return nil
}

// Address is a wa_id as the notification log keeps numbers: E.164, with the plus.
func Address(waID string) string { return "+" + waID }
