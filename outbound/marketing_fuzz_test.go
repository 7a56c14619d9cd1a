package outbound

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/apierr"
)

// FuzzConnectorChecks: the Klaviyo and ActiveCampaign checks take whatever a merchant sends as
// a URL and a credential without panicking, refuse with the API's error shape, never quote a
// credential back, and accept only keys of letters and digits.
func FuzzConnectorChecks(f *testing.F) {
	f.Add("", "pk_0123456789abcdef01")
	f.Add("https://a.klaviyo.com", "pk_abc\x00def")
	f.Add("https://shop.api-us1.com/api/3", "0123456789abcdef0123456789")
	f.Add("http://[::1]:80", "pk_\u202e0123456789")
	f.Add("https://user@shop.api-us1.com?#", strings.Repeat("a", 300))
	f.Add("%zz", "pk_ü0123456789")
	f.Fuzz(func(t *testing.T, url, key string) {
		for k, name := range map[Kind]string{KindKlaviyo: KlaviyoAPIKey, KindActiveCampaign: ActiveCampaignToken} {
			err := connectors[k].Check(url, map[string]string{name: key})
			if err == nil {
				if strings.ContainsFunc(strings.TrimPrefix(key, "pk_"), func(r rune) bool {
					return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
				}) {
					t.Errorf("%s accepted key %q", k, key)
				}
				continue
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || (ae.Status != 400 && ae.Status != 422) {
				t.Errorf("%s: %v is not a 400 or 422 of the API", k, err)
			}
			if len(key) >= 4 && strings.Contains(ae.Message, key) {
				t.Errorf("%s quotes the key: %s", k, ae.Message)
			}
		}
	})
}

// FuzzActiveCampaignAnswers: whatever ActiveCampaign (or something answering in its place)
// says of fields and tags, only decimal ids are ever used in a later path or body.
func FuzzActiveCampaignAnswers(f *testing.F) {
	f.Add([]byte(`{"fields":[{"id":"3","perstag":"SHIPPING_STAGE"},{"id":"x/../1","perstag":"%tracking_link%"}]}`), "shipped")
	f.Add([]byte(`{"tags":[{"id":"9","tag":"Shipped","tagType":"contact"},{"id":"","tag":"shipped"}]}`), "shipped")
	f.Add([]byte(`{"fields":null,"tags":[{"id":"99999999999999999999999","tag":"delivered"}]}`), "delivered")
	f.Fuzz(func(t *testing.T, raw []byte, name string) {
		var page struct {
			Fields []acField `json:"fields"`
			Tags   []acTag   `json:"tags"`
		}
		if json.Unmarshal(raw, &page) != nil {
			return
		}
		for tag, id := range activeCampaignFieldIDs(page.Fields) {
			if !validID(id) {
				t.Errorf("field %s id %q", tag, id)
			}
		}
		if id := pickTag(page.Tags, name); id != "" && !validID(id) {
			t.Errorf("tag id %q", id)
		}
	})
}
