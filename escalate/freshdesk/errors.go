package freshdesk

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/shipflow/shipflow/escalate"
)

// errorBody is Freshdesk's error answer: a 400 says "Validation failed" and lists the invalid
// fields in errors; 401, 403 and 415 give a code and a message; a 404 is often empty.
type errorBody struct {
	Description string `json:"description"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	Errors      []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"errors"`
}

// classify turns a non-2xx answer into shipflow's two kinds: any 4xx but 408 and 429 (400 an
// invalid field, 401 a wrong API key, 403 an agent without permission or a suspended account,
// 404 a deleted ticket) is permanent; 429 (the plan's per-minute limit, with Retry-After), 408
// and 5xx are retryable.
func classify(what string, resp *http.Response) error {
	return escalate.Classify(what, resp, describe)
}

// describe gives Freshdesk's error code (the first invalid field's, else the answer's) and a
// line for the error message, or the start of a body that is not Freshdesk's JSON.
func describe(b []byte) (code, detail string) {
	var eb errorBody
	if err := json.Unmarshal(b, &eb); err != nil || (eb.Description == "" && eb.Code == "" && eb.Message == "" && len(eb.Errors) == 0) {
		return "", escalate.Shorten(string(b))
	}
	parts := []string{eb.Description, eb.Message}
	code = eb.Code
	if len(eb.Errors) > 0 {
		e := eb.Errors[0]
		code = e.Code
		parts = append(parts, strings.TrimSpace(e.Field+" "+e.Message))
	}
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return escalate.Shorten(code), escalate.Shorten(strings.Join(kept, ": "))
}
