package commerce_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// FuzzParse checks that Parse never panics, that every error is one the
// webhook can answer (malformed JSON, a field error, an unsupported type),
// and that whatever it accepts validates.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("msg_1", b)
	}
	f.Add("", []byte(`{}`))
	f.Add("m", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":1,"customer":{"phone":"+37060000000"},"items":[{"sku":"A","quantity":1}]}}`))
	// Issue 14's findings: NUL in a name, order ids the engine cannot take, a tracking number
	// no carrier issues.
	f.Add("m", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"o1","customer":{"name":"Ona\u0000"}}}`))
	f.Add("m", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"u\u017esakymas-1","customer":{}}}`))
	f.Add("m", []byte(`{"type":"order.shipped","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"o1","shipment":{"shipment_id":"s","carrier":"DPD","tracking_number":"`+strings.Repeat("1", 5000)+`"}}}`))
	// Issue 14's audit: a channel list of 150,000 "sms" (here a thousand) and one with a repeat.
	f.Add("m", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"o1","customer":{"email":"a@example.com"},"notify":{"channels":[`+strings.Repeat(`"sms",`, 1000)+`"sms"]}}}`))
	f.Add("m", []byte(`{"type":"order.created","timestamp":"2026-05-07T10:30:00Z","data":{"order_id":"o1","customer":{"email":"a@example.com","phone":"+37060000000"},"notify":{"channels":["sms","email","sms"]}}}`))
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		d, err := commerce.Parse(id, body)
		if err != nil {
			checkError(t, err)
			return
		}
		if d.Source != inbox.SourceCommerce || d.EventID != id || len(d.Commerce) != 1 {
			t.Fatalf("delivery = %+v", d)
		}
		if err := d.Commerce[0].Validate(); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
		if err := d.Check(); err != nil {
			t.Fatalf("accepted an event the inbox would refuse: %v", err)
		}
		if n := len(d.Commerce[0].Notify); n > len(order.Channels) {
			t.Fatalf("accepted %d channels", n)
		}
	})
}

// checkError fails unless err is one the HTTP layer maps to an answer.
func checkError(t *testing.T, err error) {
	t.Helper()
	var (
		fe  *order.FieldError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &fe), errors.As(err, &se), errors.As(err, &ute),
		errors.Is(err, inbox.ErrUnsupported), errors.Is(err, inbox.ErrIgnored):
	default:
		t.Fatalf("unclassified error %T: %v", err, err)
	}
}
