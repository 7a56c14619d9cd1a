package twilio

import (
	"net/url"

	twclient "github.com/twilio/twilio-go/client"
)

// VerifyRequest reports whether signature, the X-Twilio-Signature header of a webhook Twilio
// posted (a status callback or an inbound message such as STOP), was made with authToken over
// url and the posted form. url must be the full public URL Twilio was given, query included,
// not the one the request reached behind a proxy. Webhooks that fail are to be rejected: anyone
// can post a form that opts a customer out or marks a message delivered.
//
// twilio-go's validator signs the first value of each parameter, which is what Twilio's
// webhooks carry.
func VerifyRequest(authToken, url string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	v := twclient.NewRequestValidator(authToken)
	return v.Validate(url, params, signature)
}
