package mailgun_test

import (
	"testing"

	"github.com/shipflow/shipflow/notify/mailgun"
)

// FuzzParseWebhook feeds webhook bodies to the parser: it must not panic, and what it accepts
// has an event type.
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"signature":{"timestamp":"1","token":"t","signature":"00"},"event-data":{"event":"failed","severity":"permanent","timestamp":1.5,"message":{"headers":{"message-id":"a@b"}},"user-variables":{"k":"v","n":1}}}`))
	f.Add([]byte(`{"signature":{},"event-data":{"event":"delivered","timestamp":1e300}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		wh, err := mailgun.ParseWebhook(body)
		if err == nil && wh.Event.Event == "" {
			t.Errorf("accepted an event without its type: %q", body)
		}
		_ = mailgun.Verify("key", wh.Signature)
	})
}
