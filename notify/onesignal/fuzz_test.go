package onesignal_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/onesignal"
)

// FuzzClassify feeds answers to the answer reader: it must not panic; a success has an id; only
// a 2xx or a 4xx other than 408 and 429 is permanent, never a 5xx; and no error message carries
// a control character from the body into a log line.
func FuzzClassify(f *testing.F) {
	f.Add(200, []byte(`{"id":"b98881cc-1e94-4366-bbd9-db8f3429292b","external_id":null}`))
	f.Add(200, []byte(`{"id":"","errors":["All included players are not subscribed"]}`))
	f.Add(200, []byte(`{"id":"x","errors":{"invalid_aliases":{"external_id":["u1"]}}}`))
	f.Add(200, []byte(`{"id":"x","errors":"one"}`))
	f.Add(200, []byte(`{"id":"x","errors":{"invalid_aliases":null}}`))
	f.Add(400, []byte(`{"errors":["bad\u0000 request\n"]}`))
	f.Add(429, []byte(`{"errors":["API rate limit exceeded."],"limit":"x"}`))
	f.Add(503, []byte("<html>\x00\xff</html>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		id, err := onesignal.Classify("fuzz", status, body)
		if err == nil {
			if id == "" || status < 200 || status >= 300 {
				t.Errorf("HTTP %d %q: success with id %q", status, body, id)
			}
			return
		}
		permanentAllowed := (status >= 200 && status < 300) ||
			(status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests)
		if notify.IsPermanent(err) && !permanentAllowed {
			t.Errorf("HTTP %d %q: permanent %v", status, body, err)
		}
		if strings.IndexFunc(err.Error(), unicode.IsControl) >= 0 {
			t.Errorf("HTTP %d: control character in %q", status, err.Error())
		}
	})
}
