package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/twilio"
)

func TestLookupAnswersTheMessageStatus(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	sent, err := s.Send(context.Background(), sms("Your order shipped"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		twilio string
		code   int
		want   notify.Status
		why    string
	}{
		{"queued", 0, notify.StatusSent, ""},
		{"delivered", 0, notify.StatusDelivered, ""},
		{"read", 0, notify.StatusDelivered, ""},
		{"undelivered", 30003, notify.StatusUndelivered, "twilio error 30003"},
		{"failed", 30006, notify.StatusFailed, "twilio error 30006"},
		{"canceled", 0, notify.StatusFailed, ""},
	} {
		tw.SetStatus(sent.MessageID, c.twilio, c.code)
		st, why, err := s.Lookup(context.Background(), sent.MessageID)
		if err != nil || st != c.want || why != c.why {
			t.Errorf("%s: got %s %q %v, want %s %q", c.twilio, st, why, err, c.want, c.why)
		}
	}
}

func TestLookupOfAMessageTwilioDoesNotHave(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	_, _, err := s.Lookup(context.Background(), "SM0123456789abcdef0123456789abcdef")
	if !errors.Is(err, notify.ErrNoSuchMessage) {
		t.Errorf("got %v, want ErrNoSuchMessage", err)
	}
}

func TestLookupWhenTwilioIsDownIsRetryable(t *testing.T) {
	tw := providertest.NewTwilio(t, accountSID, authToken)
	s := newSender(t, tw.URL(), nil)
	tw.FailNext(1, http.StatusServiceUnavailable, 0)
	_, _, err := s.Lookup(context.Background(), "SM0123456789abcdef0123456789abcdef")
	if err == nil || errors.Is(err, notify.ErrNoSuchMessage) || notify.IsPermanent(err) {
		t.Errorf("got %v, want a retryable error", err)
	}
}

// FuzzLookupSID: whatever a log row holds as a message id, Lookup asks Twilio about that one
// message or nothing (twilio-go puts the SID into the path unescaped), and never panics.
func FuzzLookupSID(f *testing.F) {
	for _, s := range []string{"SM0123456789abcdef0123456789abcdef", "", "../../Calls", "SM1/../../x", "SM1?x=1", "SM1%2F..",
		"SM\x00", "SM 1", "SMé", "SM1#frag", string(make([]byte, 100))} {
		f.Add(s)
	}
	tw := providertest.NewTwilio(f, accountSID, authToken)
	s, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, APIURL: tw.URL()}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sid string) {
		before := tw.Fetches.Load()
		_, _, err := s.Lookup(context.Background(), sid)
		if !errors.Is(err, notify.ErrNoSuchMessage) {
			t.Errorf("Lookup(%q) = %v, want ErrNoSuchMessage: no message was sent", sid, err)
		}
		if tw.Fetches.Load() != before {
			t.Errorf("Lookup(%q) fetched a message", sid)
		}
	})
}
