package twilio

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

// twimlDoc is a TwiML messaging response as Twilio reads it.
type twimlDoc struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
}

func readTwiML(t testing.TB, b []byte) twimlDoc {
	t.Helper()
	var d twimlDoc
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("TwiML %q does not parse: %v", b, err)
	}
	return d
}

func TestReply(t *testing.T) {
	b, err := Reply("Order 1042: In Transit.\nTrack it: https://shop.example/track/a?b=1&c=<2>")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %s", b)
	}
	d := readTwiML(t, b)
	if len(d.Messages) != 1 || d.Messages[0] != "Order 1042: In Transit.\nTrack it: https://shop.example/track/a?b=1&c=<2>" {
		t.Errorf("messages %q from %s", d.Messages, b)
	}
	for _, empty := range []string{"", "  \n"} {
		b, err := Reply(empty)
		if err != nil {
			t.Fatal(err)
		}
		if d := readTwiML(t, b); len(d.Messages) != 0 {
			t.Errorf("%q answered with a message: %s", empty, b)
		}
	}
}

// FuzzTwiMLReply: whatever the text, the answer is a TwiML document Twilio can read, with one
// message holding the text (characters XML cannot carry made spaces) or none for blank text.
func FuzzTwiMLReply(f *testing.F) {
	for _, s := range []string{"", "Order 1: Delivered.", "a\x00b", "<Message>x</Message>", "]]>", "&amp;", "\r\n", "\xff\xfe", "\u202eevil", "Užsakymas 1: Kelyje – rytoj 17:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Reply(s)
		if err != nil {
			t.Fatal(err)
		}
		d := readTwiML(t, b)
		want := xmlSafe(s)
		switch {
		case strings.TrimSpace(want) == "":
			if len(d.Messages) != 0 {
				t.Fatalf("blank %q answered with %q", s, d.Messages)
			}
		case len(d.Messages) != 1:
			t.Fatalf("%q gave %d messages", s, len(d.Messages))
		case d.Messages[0] != want:
			t.Fatalf("message %q, want %q", d.Messages[0], want)
		}
	})
}
