package whatsapp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shipflow/shipflow/notify"
)

// Error codes of Meta's Graph and Cloud APIs that decide a send's fate (Meta: "build your
// app's error handling around code values", not HTTP statuses or titles). The same codes
// come back in a failed status webhook's errors[].
const (
	CodeAPIUnknown         = 1      // invalid request or a server error: retried
	CodeAPIService         = 2      // downtime or overload: retried
	CodeTooManyCalls       = 4      // the app's call rate limit: retried
	CodeInvalidParameter   = 100    // a malformed request: permanent
	CodeAccessToken        = 190    // the access token expired or is invalid: permanent
	CodeAccountRateLimit   = 80007  // the WhatsApp Business Account's rate limit: retried
	CodeThroughput         = 130429 // Cloud API throughput reached: retried
	CodeSomethingWrong     = 131000 // Meta's unknown error: retried
	CodeServiceUnavailable = 131016 // a service is temporarily unavailable: retried
	CodeUndeliverable      = 131026 // not a WhatsApp user, old app, terms not accepted: permanent
	CodeNotAllowed         = 131030 // a test number sending to a number not on its list: permanent
	CodeReEngagement       = 131047 // more than 24 hours since the customer wrote: permanent
	CodeSpamRateLimit      = 131048 // too many messages of this number were blocked: retried
	CodeMarketingOptOut    = 131050 // the customer stopped marketing messages: permanent
	CodePairRateLimit      = 131056 // too many messages to this one customer: retried
	CodeTemplateParams     = 132000 // template parameter count differs: permanent
	CodeTemplateMissing    = 132001 // no such template in that language: permanent
	CodeServerUnavailable  = 133004 // the server is temporarily unavailable: retried
)

// retryable are the codes a later attempt may get past: Meta's own trouble and every rate
// limit. Any other code is a refusal Meta repeats (132xxx template errors, 131026, 131047,
// 190, 100, ...), never retried.
//
// None of Meta's codes says a customer blocked the business: Meta keeps that private (a
// blocked business's messages simply stay "sent"), so no code here is a notify.ErrOptedOut.
// 131050 is a stop of marketing messages only; shipflow's order updates are utility
// messages, so it fails that message and opts nothing out.
var retryable = map[int]bool{
	CodeAPIUnknown: true, CodeAPIService: true, CodeTooManyCalls: true, CodeAccountRateLimit: true,
	CodeThroughput: true, CodeSomethingWrong: true, CodeServiceUnavailable: true,
	CodeSpamRateLimit: true, CodePairRateLimit: true, CodeServerUnavailable: true,
}

// Retryable reports whether Meta's error code is one a later attempt may get past.
func Retryable(code int) bool { return retryable[code] }

// apiError is Meta's error body: {"error": {"message", "type", "code", "error_data":
// {"messaging_product", "details"}, "fbtrace_id"}}.
type apiError struct {
	Error *struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// classify turns a non-2xx answer into shipflow's two kinds, by Meta's error code when the
// body has one, else by the HTTP status (a proxy's page): 429 and 5xx are retried, any
// other 4xx is permanent.
func classify(what string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	var ae apiError
	if json.Unmarshal(b, &ae) == nil && ae.Error != nil && ae.Error.Code != 0 {
		e := ae.Error
		msg := e.Message
		if e.ErrorData.Details != "" {
			msg += ": " + e.ErrorData.Details
		}
		err := fmt.Errorf("%s: HTTP %d: code %d: %s", what, resp.StatusCode, e.Code, clip(msg))
		if retryable[e.Code] {
			return err
		}
		return &notify.PermanentError{Code: strconv.Itoa(e.Code), Err: err}
	}
	err := fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, clip(string(b)))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
		return &notify.PermanentError{Code: strconv.Itoa(resp.StatusCode), Err: err}
	}
	return err
}

// clip keeps the start of a provider's words for an error, on a character boundary.
func clip(s string) string {
	const limit = 300
	s = strings.TrimSpace(s)
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	if s == "" {
		return "empty answer"
	}
	return s
}
