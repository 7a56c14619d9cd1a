package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/shipflow/shipflow/escalate"
)

// GraphQL error codes Shopify's Admin API puts in errors[].extensions.code that change what an
// attempt's answer means (shopify.dev/docs/api/usage/response-codes).
const (
	shopifyThrottled     = "THROTTLED"             // the cost bucket is empty: wait for it to refill
	shopifyAccessDenied  = "ACCESS_DENIED"         // the app lacks a scope: nothing will pass until granted
	shopifyInternalError = "INTERNAL_SERVER_ERROR" // Shopify's fault: try again later
)

// maxThrottleWait bounds the wait a throttled answer asks for: a bucket refills in seconds, so
// anything longer is a misreading of the cost, and the schedule's next slot follows anyway.
const maxThrottleWait = time.Minute

// shopifyRequest is a GraphQL request: a document and its variables, as Shopify takes it.
type shopifyRequest struct {
	Query     string `json:"query"`
	Variables any    `json:"variables,omitempty"`
}

// shopifyAnswer is a GraphQL Admin API answer: the data, the errors (a list of GraphQL errors,
// or one string on a refused token or an unknown shop), and the cost of the request with the
// state of the app's bucket in the shop.
type shopifyAnswer struct {
	Data       json.RawMessage `json:"data"`
	Errors     shopifyErrors   `json:"errors"`
	Extensions struct {
		Cost *shopifyCost `json:"cost"`
	} `json:"extensions"`
}

// shopifyCost is extensions.cost of an answer.
type shopifyCost struct {
	RequestedQueryCost float64 `json:"requestedQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// shopifyError is one GraphQL error.
type shopifyError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// shopifyErrors are an answer's errors. Shopify answers a list of GraphQL errors, but a plain
// string ("[API] Invalid API key or access token ...", "Not Found") when it refuses the
// request before GraphQL runs; both are kept as a list.
type shopifyErrors []shopifyError

// UnmarshalJSON takes a list of errors, one string or null.
func (e *shopifyErrors) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = shopifyErrors{{Message: s}}
		return nil
	}
	var list []shopifyError
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*e = list
	return nil
}

// has reports whether any error carries code.
func (e shopifyErrors) has(code string) bool {
	for _, x := range e {
		if x.Extensions.Code == code {
			return true
		}
	}
	return false
}

// String is the errors' messages for the attempt log, shortened.
func (e shopifyErrors) String() string {
	msgs := make([]string, 0, len(e))
	for _, x := range e {
		m := x.Message
		if x.Extensions.Code != "" {
			m = x.Extensions.Code + ": " + m
		}
		msgs = append(msgs, m)
	}
	return escalate.Shorten(strings.Join(msgs, "; "))
}

// throttleWait is how long until the bucket holds what the request asked for: the missing
// points at the restore rate, at least a second, at most maxThrottleWait.
func (c *shopifyCost) throttleWait() time.Duration {
	wait := time.Second
	if c == nil {
		return wait
	}
	ts := c.ThrottleStatus
	need := c.RequestedQueryCost - ts.CurrentlyAvailable
	if ts.RestoreRate > 0 && need > 0 && !math.IsInf(need, 0) && !math.IsNaN(need) {
		secs := math.Ceil(need / ts.RestoreRate)
		if secs >= maxThrottleWait.Seconds() {
			return maxThrottleWait
		}
		wait = max(wait, time.Duration(secs)*time.Second)
	}
	return wait
}

// graphQL posts one GraphQL request to the shop's Admin API and decodes its data into out.
// call classifies the HTTP answer like every connector's; Shopify says more in a 200's body,
// which classifyShopify reads.
func (t shopify) graphQL(ctx context.Context, c shopifyClient, req shopifyRequest, out any) Result {
	body, err := json.Marshal(req)
	if err != nil {
		return Result{Outcome: Failed, Err: "encoding the GraphQL request: " + err.Error()}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{Outcome: Failed, Err: "building the request: " + err.Error()}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", shopifyUserAgent)
	hr.Header.Set("X-Shopify-Access-Token", c.token)
	return classifyShopify(t.s.call(hr), out)
}

// classifyShopify reads a Shopify Admin API answer that call classified by its status:
//
//   - 402 (the shop is frozen for an unpaid bill) and 423 (the shop is locked) are retried on
//     the schedule, since the merchant can lift both; 404 is gone, like 401 and 403: no shop
//     answers at the connector's URL (a typo or a closed shop), so it is disabled and staff told.
//   - A 200 whose errors include THROTTLED is retried after the bucket has refilled enough for
//     the request (extensions.cost), ACCESS_DENIED is gone (the app lacks a scope, which no
//     retry grants), INTERNAL_SERVER_ERROR is retried, and any other error is a refusal of
//     this request (failed).
//   - A 200 without errors is delivered and its data decoded into out; a 200 that is not JSON
//     (a proxy's page) is retried.
func classifyShopify(r Result, out any) Result {
	var a shopifyAnswer
	parsed := json.Unmarshal([]byte(r.Body), &a) == nil
	switch r.Status {
	case http.StatusPaymentRequired, http.StatusLocked:
		r.Outcome = Retry
	case http.StatusNotFound:
		r.Outcome = Gone
	}
	if r.Outcome != Delivered {
		if parsed && len(a.Errors) > 0 && r.Err == "" {
			r.Err = fmt.Sprintf("Shopify answered %d: %s", r.Status, a.Errors)
		}
		return r
	}
	if !parsed {
		r.Outcome, r.Err = Retry, fmt.Sprintf("Shopify answered %d with a body that is not GraphQL's JSON", r.Status)
		return r
	}
	if len(a.Errors) > 0 {
		r.Err = "Shopify's GraphQL errors: " + a.Errors.String()
		switch {
		case a.Errors.has(shopifyThrottled):
			r.Outcome, r.RetryAfter = Retry, a.Extensions.Cost.throttleWait()
		case a.Errors.has(shopifyAccessDenied):
			r.Outcome = Gone
		case a.Errors.has(shopifyInternalError):
			r.Outcome = Retry
		default:
			r.Outcome = Failed
		}
		return r
	}
	if out != nil && (len(a.Data) == 0 || string(a.Data) == "null" || json.Unmarshal(a.Data, out) != nil) {
		r.Outcome, r.Err = Failed, "Shopify's answer has no data of the expected shape"
	}
	return r
}
