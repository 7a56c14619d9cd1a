package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	twclient "github.com/twilio/twilio-go/client"
)

// Twilio's own documented example ("Secure webhooks", and the api-snippets
// repository it links to): auth token 12345, this URL and these parameters
// give this signature.
const (
	twToken = "12345"
	twURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	twSig   = "GvWf1cFY/Q7PnoempGyD5oXAezc="
)

func twForm() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675310"},
		"Digits":  {"1234"},
		"From":    {"+14158675310"},
		"To":      {"+18005551212"},
	}
}

// twilioGo is the reference: twilio-go's own validator, given the first
// value of each parameter as it expects.
func twilioGo(token, rawURL string, form url.Values, sig string) bool {
	params := make(map[string]string, len(form))
	for k, vs := range form {
		params[k] = vs[0]
	}
	v := twclient.NewRequestValidator(token)
	return v.Validate(rawURL, params, sig)
}

func TestVerifyTwilioVector(t *testing.T) {
	if !twilioGo(twToken, twURL, twForm(), twSig) {
		t.Fatal("the reference validator refuses Twilio's documented example")
	}
	if got := SignTwilio(twToken, twURL, twForm()); got != twSig {
		t.Errorf("SignTwilio = %q, want %q", got, twSig)
	}
	form, err := VerifyTwilio([]string{twToken}, twURL, twSig, []byte(twForm().Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("Digits") != "1234" || len(form) != 5 {
		t.Errorf("form = %v", form)
	}
}

// TestVerifyTwilioAgreesWithTwilioGo: on ordinary inputs a signature is
// accepted by VerifyTwilio exactly when twilio-go's validator accepts it.
func TestVerifyTwilioAgreesWithTwilioGo(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	urls := []string{
		"https://shipflow.example.com/webhooks/twilio/status",
		"https://shipflow.example.com:443/webhooks/twilio/status",
		"https://shipflow.example.com:8443/webhooks/twilio/inbound?n=42&x=%20y",
		"http://localhost:8080/webhooks/twilio/status",
		"http://localhost/webhooks/twilio/status",
	}
	forms := []url.Values{
		{},
		{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}},
		{"From": {"whatsapp:+37060000000"}, "Body": {"STOP\nplease & thank you = é ☃"}, "NumMedia": {"0"}},
		{"a": {""}, "B": {"x"}, "b": {"y"}, "Ab": {"="}}, // case-sensitive byte order
	}
	for _, u := range urls {
		for i, form := range forms {
			// Signed as given, and signed over the URL with its port toggled
			// (Twilio does either); plus signatures that must fail.
			other := twilioURLs(u, mustParse(t, u))[1]
			cases := map[string]string{
				"as given":     SignTwilio(token, u, form),
				"port toggled": SignTwilio(token, other, form),
				"other token":  SignTwilio(token+"x", u, form),
				"other URL":    SignTwilio(token, u+"x", form),
				"extra param":  SignTwilio(token, u, addParam(form, "Extra", "1")),
			}
			for name, sig := range cases {
				t.Run(fmt.Sprintf("%s/%d/%s", u, i, name), func(t *testing.T) {
					want := twilioGo(token, u, form, sig)
					_, err := VerifyTwilio([]string{token}, u, sig, []byte(form.Encode()))
					if got := err == nil; got != want {
						t.Fatalf("VerifyTwilio ok = %v (%v), twilio-go says %v", got, err, want)
					}
					if (name == "as given" || name == "port toggled") && !want {
						t.Fatal("a genuine signature is refused by both")
					}
				})
			}
		}
	}
}

func TestVerifyTwilio(t *testing.T) {
	body := []byte(twForm().Encode())
	many := make(url.Values)
	for i := range 10000 {
		many.Set(fmt.Sprintf("P%05d", i), strings.Repeat("x", 100))
	}
	manyBody := []byte(many.Encode())
	if len(manyBody) < 1<<20 {
		t.Fatalf("hostile form is %d bytes, want over 1 MiB", len(manyBody))
	}
	hundred := make(url.Values)
	for i := range TwilioMaxParams {
		hundred.Set(fmt.Sprintf("P%03d", i), "v")
	}
	sum := sha256.Sum256([]byte(`{"CallSid":"CA1"}`))
	jsonURL := "https://shipflow.example.com/hook?bodySHA256=" + hex.EncodeToString(sum[:])

	tests := []struct {
		name     string
		tokens   []string
		url, sig string
		body     []byte
		want     error
	}{
		{"vector", []string{twToken}, twURL, twSig, body, nil},
		{"surrounding whitespace", []string{twToken}, twURL, " " + twSig + "\n", body, nil},
		{"rotation: new token first", []string{"new-token", twToken}, twURL, twSig, body, nil},
		{"rotation: signed with the new", []string{"new-token", twToken}, twURL, SignTwilio("new-token", twURL, twForm()), body, nil},
		{"exactly the parameter cap", []string{twToken}, twURL, SignTwilio(twToken, twURL, hundred), []byte(hundred.Encode()), nil},
		{"JSON body with bodySHA256", []string{twToken}, jsonURL, SignTwilio(twToken, jsonURL, nil), []byte(`{"CallSid":"CA1"}`), nil},

		{"tampered body", []string{twToken}, twURL, twSig, []byte(strings.Replace(string(body), "1234", "1235", 1)), ErrMismatch},
		{"wrong token", []string{"54321"}, twURL, twSig, body, ErrMismatch},
		{"other URL", []string{twToken}, twURL + "&baz=3", twSig, body, ErrMismatch},
		{"JSON body tampered", []string{twToken}, jsonURL, SignTwilio(twToken, jsonURL, nil), []byte(`{"CallSid":"CA2"}`), ErrMismatch},
		{"JSON hash not hex", []string{twToken}, twURL + "&bodySHA256=zz", SignTwilio(twToken, twURL+"&bodySHA256=zz", nil), nil, ErrMismatch},
		{"signature not base64", []string{twToken}, twURL, "not base64!", body, ErrMismatch},
		{"signature of SHA-256 length", []string{twToken}, twURL, "S+MMvPUNcCgLyS2RnfgH6jahmY8ty3vrcXFqS/SGK98=", body, ErrMismatch},
		{"signature of 1 MiB", []string{twToken}, twURL, strings.Repeat("A", 1<<20), body, ErrMismatch},
		{"no signature", []string{twToken}, twURL, "", body, ErrMissing},
		{"no token", nil, twURL, twSig, body, ErrBadSecret},
		{"empty token", []string{twToken, ""}, twURL, twSig, body, ErrBadSecret},

		// Finding 1: 10,000 parameters in over 1 MiB with a made-up
		// signature. Refused as malformed, before any parsing or MAC.
		{"finding 1's form cut at the body cap", []string{twToken}, twURL, twSig, manyBody[:TwilioMaxBody], ErrMalformed},
		{"over the body cap", []string{twToken}, twURL, twSig, manyBody, ErrMalformed},
		{"one over the parameter cap", []string{twToken}, twURL, twSig, []byte(addParam(hundred, "Extra", "1").Encode()), ErrMalformed},
		{"not form-encoded", []string{twToken}, twURL, twSig, []byte("a=%zz"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyTwilio(tt.tokens, tt.url, tt.sig, tt.body)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			assertNoLeak(t, err, twToken, twSig, "new-token")
		})
	}
}

// TestVerifyTwilioRepeatedNames: a name posted twice is accepted signed the
// way Twilio's Python and Node helpers sign it (every value, sorted) and the
// way twilio-go does (the first value only), and no other way.
func TestVerifyTwilioRepeatedNames(t *testing.T) {
	body := []byte("To=%2B1&MediaUrl=b&MediaUrl=a")
	form, _ := url.ParseQuery(string(body))
	canonical := SignTwilio(twToken, twURL, form) // MediaUrl a, MediaUrl b
	if !twilioGo(twToken, twURL, url.Values{"To": {"+1"}, "MediaUrl": {"b"}}, mustSign(twURL+"MediaUrlbTo+1")) {
		t.Fatal("the reference does not sign the first value only")
	}
	for name, sig := range map[string]string{
		"every value, sorted": canonical,
		"first value only":    mustSign(twURL + "MediaUrlbTo+1"),
	} {
		if _, err := VerifyTwilio([]string{twToken}, twURL, sig, body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, sig := range map[string]string{
		"every value, unsorted": mustSign(twURL + "MediaUrlbMediaUrlaTo+1"),
		"second value only":     mustSign(twURL + "MediaUrlaTo+1"),
	} {
		if _, err := VerifyTwilio([]string{twToken}, twURL, sig, body); !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: err = %v, want ErrMismatch", name, err)
		}
	}
}

// mustSign is the HMAC-SHA1 under twToken of a signed string spelled out.
func mustSign(s string) string {
	return SignTwilio(twToken, s, nil)
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func addParam(form url.Values, k, v string) url.Values {
	out := url.Values{}
	for name, vs := range form {
		out[name] = append([]string(nil), vs...)
	}
	out.Set(k, v)
	return out
}

// BenchmarkVerifyTwilioHostile is finding 1's request as the handler sees
// it after its body cap: 64 KiB of a 10,000-parameter form with a made-up
// signature. twilio-go's validator spent about 5 s of CPU on the whole
// 1 MiB; this is refused on a count of '&'.
func BenchmarkVerifyTwilioHostile(b *testing.B) {
	many := make(url.Values)
	for i := range 10000 {
		many.Set(fmt.Sprintf("P%05d", i), strings.Repeat("x", 90))
	}
	body := []byte(many.Encode())[:TwilioMaxBody]
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := VerifyTwilio([]string{twToken, "previous"}, twURL, twSig, body); !errors.Is(err, ErrMalformed) {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyTwilioLargest is the most expensive request that gets as
// far as the MACs: TwilioMaxParams parameters filling TwilioMaxBody, a
// repeated name, a forged signature and two tokens, so every candidate
// (2 tokens x 2 URLs x 2 parameter forms) is computed.
func BenchmarkVerifyTwilioLargest(b *testing.B) {
	form := make(url.Values)
	for i := range TwilioMaxParams - 2 {
		form.Set(fmt.Sprintf("P%03d", i), strings.Repeat("x", TwilioMaxBody/TwilioMaxParams-10))
	}
	form.Add("R", "1")
	form.Add("R", "2")
	body := []byte(form.Encode())
	if len(body) > TwilioMaxBody {
		b.Fatalf("body is %d bytes", len(body))
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := VerifyTwilio([]string{twToken, "previous"}, twURL, twSig, body); !errors.Is(err, ErrMismatch) || errors.Is(err, ErrMalformed) {
			b.Fatal(err)
		}
	}
}
