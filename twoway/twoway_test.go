package twoway

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipflow/shipflow/order"
)

func TestCheck(t *testing.T) {
	ok := Inbound{Provider: "twilio", MessageID: "SM0123456789abcdef0123456789abcdef", Channel: order.ChannelSMS, From: "+37060000000", Text: "where?\nthanks"}
	if err := ok.check(); err != nil {
		t.Fatalf("a genuine text: %v", err)
	}
	for name, change := range map[string]func(*Inbound){
		"email channel":   func(in *Inbound) { in.Channel = order.ChannelEmail },
		"no provider":     func(in *Inbound) { in.Provider = "" },
		"no message id":   func(in *Inbound) { in.MessageID = "" },
		"message id NUL":  func(in *Inbound) { in.MessageID = "SM\x00" },
		"long message id": func(in *Inbound) { in.MessageID = strings.Repeat("a", 129) },
		"no sender":       func(in *Inbound) { in.From = "" },
		"sender prefix":   func(in *Inbound) { in.From = "whatsapp:+37060000000" },
		"long sender":     func(in *Inbound) { in.From = "+" + strings.Repeat("1", 40) },
		"text NUL":        func(in *Inbound) { in.Text = "a\x00b" },
		"text too long":   func(in *Inbound) { in.Text = strings.Repeat("x", MaxTextBytes+1) },
		"text not UTF-8":  func(in *Inbound) { in.Text = "\xc3" },
	} {
		in := ok
		change(&in)
		if err := in.check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// FuzzInboundText: whatever a provider posts, checking it never panics, and what passes is
// text Postgres can hold and a reader can see nothing hidden in (no NUL, no control character
// but line breaks and tabs, valid UTF-8, within the cap).
func FuzzInboundText(f *testing.F) {
	for _, s := range []string{"", "STOP", " start ", "where is my parcel?", "a\x00b", "\x1b[2J", "\u202e", "\xff", "Kur mano siunta? 📦", "line\r\nline\t."} {
		f.Add("+37060000000", "SM1", s)
	}
	f.Fuzz(func(t *testing.T, from, id, text string) {
		in := Inbound{Provider: "twilio", MessageID: id, Channel: order.ChannelWhatsApp, From: from, Text: text}
		err := in.check()
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("an error that is not ErrInvalid: %v", err)
		}
		if CheckText(text) == nil {
			if !utf8.ValidString(text) || len(text) > MaxTextBytes || strings.ContainsRune(text, 0) {
				t.Fatalf("CheckText passed %q", text)
			}
			for _, r := range text {
				if r != '\n' && r != '\r' && r != '\t' && order.UnsafeRune(r) {
					t.Fatalf("CheckText passed U+%04X", r)
				}
			}
		}
		if err == nil && (order.CheckKey("id", id, maxMessageID) != nil || strings.ContainsFunc(from, func(r rune) bool { return !addressRune(r) })) {
			t.Fatalf("check passed id %q from %q", id, from)
		}
	})
}
