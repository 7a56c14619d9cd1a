package connectortest

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ShopifyEvent is one fulfillment event the Shopify stand-in accepted, as fulfillmentEventCreate
// took it.
type ShopifyEvent struct {
	ID                  string // gid://shopify/FulfillmentEvent/N
	FulfillmentID       string // the numeric id
	Status              string
	HappenedAt          time.Time
	EstimatedDeliveryAt *time.Time
	Message             string
	City                string
	Province            string
	Zip                 string
	Country             string
}

// Shopify stands in for one shop's Admin GraphQL API (POST /admin/api/{version}/graphql.json)
// as far as writing fulfillment events goes: the fulfillment query, fulfillmentEventCreate and
// the shop query. It knows the fulfillments it was given (AddFulfillment) and nothing else, as
// a shop knows its own. It is safe for concurrent use.
type Shopify struct {
	faults

	token string
	srv   *httptest.Server
	// OnAccept, when set before the first request, is called with every fulfillment event
	// accepted, after it is recorded and with the stand-in locked, so it must not call the
	// stand-in (`shipflow dev -standins` logs them).
	OnAccept func(ShopifyEvent)

	mu           sync.Mutex
	fulfillments map[string]*shopifyFulfillment // by numeric id
	throttled    int                            // the next GraphQL requests answered THROTTLED
	requests     map[string]int                 // GraphQL requests served, by root field
	nextID       int
}

type shopifyFulfillment struct {
	orderID string
	events  []ShopifyEvent
}

// Shopify's bucket as the stand-in reports it: a Standard plan's.
const (
	shopifyBucket      = 2000.0
	shopifyRestoreRate = 100.0
)

// Root fields the stand-in serves, the keys of Requests.
const (
	ShopifyQueryFulfillment   = "fulfillment"
	ShopifyMutationEvent      = "fulfillmentEventCreate"
	ShopifyQueryShop          = "shop"
	shopifyInvalidTokenAnswer = "[API] Invalid API key or access token (unrecognized login or wrong password)"
)

// shopifyStatuses are FulfillmentEventStatus's values.
var shopifyStatuses = []string{
	"ATTEMPTED_DELIVERY", "CARRIER_PICKED_UP", "CONFIRMED", "DELAYED", "DELIVERED", "FAILURE",
	"IN_TRANSIT", "LABEL_PRINTED", "LABEL_PURCHASED", "OUT_FOR_DELIVERY", "PICKED_UP", "READY_FOR_PICKUP",
}

var (
	shopifyPath    = regexp.MustCompile(`^/admin/api/(\d{4}-(01|04|07|10)|unstable)/graphql\.json$`)
	shopifyFieldRe = regexp.MustCompile(`^\s*(query|mutation)\b[^{]*\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*[({]`)
	fulfillmentGID = regexp.MustCompile(`^gid://shopify/Fulfillment/([1-9][0-9]{0,19})$`)
)

// NewShopify starts a shop's stand-in that accepts token (X-Shopify-Access-Token), and stops it
// when the test ends.
func NewShopify(t testing.TB, token string) *Shopify {
	t.Helper()
	s := StartShopify(token)
	t.Cleanup(s.Close)
	return s
}

// StartShopify starts a shop's stand-in outside a test (`shipflow dev`); Close stops it.
func StartShopify(token string) *Shopify {
	s := &Shopify{token: token, fulfillments: map[string]*shopifyFulfillment{}, requests: map[string]int{}}
	s.srv = httptest.NewServer(s.Control(http.HandlerFunc(s.route)))
	return s
}

// route serves the Admin API, and POST /_standin/fulfillment?order_id=O&fulfillment_id=F, which
// adds a fulfillment (AddFulfillment) for trying the connector by hand: a shop knows only its
// own fulfillments.
func (s *Shopify) route(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/_standin/fulfillment" {
		s.serve(w, r)
		return
	}
	q := r.URL.Query()
	o, f := q.Get("order_id"), q.Get("fulfillment_id")
	if r.Method != http.MethodPost || !fulfillmentGID.MatchString("gid://shopify/Fulfillment/"+f) || !fulfillmentGID.MatchString("gid://shopify/Fulfillment/"+o) {
		http.Error(w, "POST with numeric order_id and fulfillment_id", http.StatusBadRequest)
		return
	}
	s.AddFulfillment(o, f)
	w.WriteHeader(http.StatusNoContent)
}

// Close stops the stand-in.
func (s *Shopify) Close() { s.srv.Close() }

// URL is the stand-in's base URL, a connector's url in place of https://{shop}.myshopify.com.
func (s *Shopify) URL() string { return s.srv.URL }

// AddFulfillment makes fulfillment fulfillmentID of order orderID (both numeric ids) known to
// the shop, as creating it in Shopify would.
func (s *Shopify) AddFulfillment(orderID, fulfillmentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fulfillments[fulfillmentID] == nil {
		s.fulfillments[fulfillmentID] = &shopifyFulfillment{orderID: orderID}
	}
}

// Events are the fulfillment events of fulfillmentID, oldest first.
func (s *Shopify) Events(fulfillmentID string) []ShopifyEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.fulfillments[fulfillmentID]; f != nil {
		return slices.Clone(f.events)
	}
	return nil
}

// Throttle makes the next n GraphQL requests answer 200 with a THROTTLED error and the empty
// bucket in extensions.cost, as Shopify does when an app spends its points faster than they
// come back.
func (s *Shopify) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttled += n
}

// Requests counts the GraphQL requests the stand-in answered with data, by root field
// (ShopifyQueryFulfillment, ShopifyMutationEvent, ShopifyQueryShop).
func (s *Shopify) Requests(field string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[field]
}

// shopifyGraphQLRequest is a GraphQL POST's body.
type shopifyGraphQLRequest struct {
	Query         string                     `json:"query"`
	Variables     map[string]json.RawMessage `json:"variables"`
	OperationName string                     `json:"operationName"`
}

func (s *Shopify) serve(w http.ResponseWriter, r *http.Request) {
	body, fail, done, err := s.Suffer(w, r, maxBody)
	switch {
	case done:
		return
	case fail != nil:
		shopifyFail(w, fail.Status)
		return
	case !shopifyPath.MatchString(r.URL.Path):
		shopifyPlain(w, http.StatusNotFound, "Not Found")
		return
	case subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Shopify-Access-Token")), []byte(s.token)) != 1:
		shopifyPlain(w, http.StatusUnauthorized, shopifyInvalidTokenAnswer)
		return
	case r.Method != http.MethodPost:
		shopifyPlain(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	case err != nil:
		shopifyPlain(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		shopifyPlain(w, http.StatusBadRequest, "Content-Type must be application/json")
		return
	}
	var req shopifyGraphQLRequest
	if err := json.Unmarshal(body, &req); err != nil || strings.TrimSpace(req.Query) == "" {
		shopifyPlain(w, http.StatusBadRequest, "Bad Request: the body must be a JSON object with a query")
		return
	}
	if s.takeThrottle() {
		shopifyAnswer(w, nil, []shopifyErr{{Message: "Throttled", Code: "THROTTLED"}}, 0)
		return
	}
	m := shopifyFieldRe.FindStringSubmatch(req.Query)
	if m == nil {
		shopifyAnswer(w, nil, []shopifyErr{{Message: "syntax error, unexpected end of file", Code: "PARSE_ERROR"}}, 1)
		return
	}
	switch op, field := m[1], m[2]; {
	case op == "query" && field == ShopifyQueryFulfillment:
		s.serveFulfillment(w, req)
	case op == "mutation" && field == ShopifyMutationEvent:
		s.serveEventCreate(w, req)
	case op == "query" && field == ShopifyQueryShop:
		s.count(ShopifyQueryShop)
		shopifyAnswer(w, map[string]any{"shop": map[string]string{"name": "Stand-in shop"}}, nil, 1)
	default:
		root := "QueryRoot"
		if op == "mutation" {
			root = "Mutation"
		}
		shopifyAnswer(w, nil, []shopifyErr{{Message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", field, root), Code: "undefinedField"}}, 1)
	}
}

func (s *Shopify) takeThrottle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.throttled > 0 {
		s.throttled--
		return true
	}
	return false
}

func (s *Shopify) count(field string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[field]++
}

// serveFulfillment answers fulfillment(id:): the fulfillment with its order's id and its
// events newest first, or null for a fulfillment the shop does not have.
func (s *Shopify) serveFulfillment(w http.ResponseWriter, req shopifyGraphQLRequest) {
	var gid string
	if json.Unmarshal(req.Variables["id"], &gid) != nil {
		shopifyAnswer(w, nil, []shopifyErr{{Message: "Variable $id of type ID! was provided invalid value", Code: "INVALID_VARIABLE"}}, 0)
		return
	}
	m := fulfillmentGID.FindStringSubmatch(gid)
	if m == nil {
		shopifyAnswer(w, nil, []shopifyErr{{Message: fmt.Sprintf("Invalid global id '%s'", gid), Code: "argumentLiteralsIncompatible"}}, 0)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[ShopifyQueryFulfillment]++
	f := s.fulfillments[m[1]]
	if f == nil {
		shopifyAnswer(w, map[string]any{"fulfillment": nil}, nil, 3)
		return
	}
	nodes := []map[string]string{}
	for i := len(f.events) - 1; i >= 0 && len(nodes) < 25; i-- {
		e := f.events[i]
		nodes = append(nodes, map[string]string{"status": e.Status, "happenedAt": e.HappenedAt.UTC().Format(time.RFC3339)})
	}
	shopifyAnswer(w, map[string]any{"fulfillment": map[string]any{
		"id":     gid,
		"order":  map[string]string{"legacyResourceId": f.orderID},
		"events": map[string]any{"nodes": nodes},
	}}, nil, 3+len(nodes))
}

// shopifyEventInput is FulfillmentEventInput: every field it has, so that one it lacks is
// refused as Shopify refuses it.
type shopifyEventInput struct {
	FulfillmentID       *string  `json:"fulfillmentId"`
	Status              *string  `json:"status"`
	HappenedAt          *string  `json:"happenedAt"`
	EstimatedDeliveryAt *string  `json:"estimatedDeliveryAt"`
	Message             *string  `json:"message"`
	Address1            *string  `json:"address1"`
	City                *string  `json:"city"`
	Province            *string  `json:"province"`
	Zip                 *string  `json:"zip"`
	Country             *string  `json:"country"`
	Latitude            *float64 `json:"latitude"`
	Longitude           *float64 `json:"longitude"`
}

// serveEventCreate answers fulfillmentEventCreate(fulfillmentEvent: $event): a variable of the
// wrong shape is a top-level INVALID_VARIABLE error, as GraphQL's validation makes it; a
// fulfillment the shop does not have is a userError.
func (s *Shopify) serveEventCreate(w http.ResponseWriter, req shopifyGraphQLRequest) {
	invalid := func(problem string) {
		shopifyAnswer(w, nil, []shopifyErr{{
			Message: "Variable $event of type FulfillmentEventInput! was provided invalid value" + problem, Code: "INVALID_VARIABLE",
		}}, 0)
	}
	raw, ok := req.Variables["event"]
	if !ok {
		invalid(": Expected value to not be null")
		return
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var in shopifyEventInput
	if err := dec.Decode(&in); err != nil {
		invalid(" (" + err.Error() + ")")
		return
	}
	switch {
	case in.FulfillmentID == nil:
		invalid(" for fulfillmentId (Expected value to not be null)")
		return
	case in.Status == nil:
		invalid(" for status (Expected value to not be null)")
		return
	case !slices.Contains(shopifyStatuses, *in.Status):
		invalid(fmt.Sprintf(" for status (Expected %q to be one of: %s)", *in.Status, strings.Join(shopifyStatuses, ", ")))
		return
	}
	m := fulfillmentGID.FindStringSubmatch(*in.FulfillmentID)
	if m == nil {
		invalid(" for fulfillmentId (Invalid global id)")
		return
	}
	e := ShopifyEvent{FulfillmentID: m[1], Status: *in.Status, HappenedAt: time.Now().UTC().Truncate(time.Second)}
	for _, t := range []struct {
		name string
		v    *string
		into func(time.Time)
	}{
		{"happenedAt", in.HappenedAt, func(t time.Time) { e.HappenedAt = t }},
		{"estimatedDeliveryAt", in.EstimatedDeliveryAt, func(t time.Time) { e.EstimatedDeliveryAt = &t }},
	} {
		if t.v == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339, *t.v)
		if err != nil {
			invalid(fmt.Sprintf(" for %s (invalid DateTime %q)", t.name, *t.v))
			return
		}
		t.into(at.UTC().Truncate(time.Second))
	}
	for _, f := range []struct {
		v    *string
		into *string
	}{{in.Message, &e.Message}, {in.City, &e.City}, {in.Province, &e.Province}, {in.Zip, &e.Zip}, {in.Country, &e.Country}} {
		if f.v != nil {
			*f.into = *f.v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[ShopifyMutationEvent]++
	f := s.fulfillments[e.FulfillmentID]
	if f == nil {
		shopifyAnswer(w, map[string]any{ShopifyMutationEvent: map[string]any{
			"fulfillmentEvent": nil,
			"userErrors":       []map[string]any{{"field": []string{"fulfillmentEvent", "fulfillmentId"}, "message": "Fulfillment does not exist."}},
		}}, nil, 10)
		return
	}
	s.nextID++
	e.ID = "gid://shopify/FulfillmentEvent/" + strconv.Itoa(1000+s.nextID)
	f.events = append(f.events, e)
	if s.OnAccept != nil {
		s.OnAccept(e)
	}
	shopifyAnswer(w, map[string]any{ShopifyMutationEvent: map[string]any{
		"fulfillmentEvent": map[string]string{"id": e.ID, "status": e.Status, "happenedAt": e.HappenedAt.Format(time.RFC3339)},
		"userErrors":       []any{},
	}}, nil, 10)
}

// shopifyErr is one GraphQL error as the stand-in answers it.
type shopifyErr struct {
	Message string
	Code    string
}

// shopifyAnswer writes a 200 GraphQL answer: data (omitted when nil and errors are given),
// errors, and extensions.cost. A throttled answer (cost 0 actual, nothing available) reports an
// empty bucket, so a client computes its wait from the restore rate.
func shopifyAnswer(w http.ResponseWriter, data any, errs []shopifyErr, cost int) {
	available := shopifyBucket - float64(cost)
	var actual any = cost
	requested := max(cost, 10)
	if len(errs) > 0 && errs[0].Code == "THROTTLED" {
		available, actual, requested = 0, nil, 250
	}
	out := map[string]any{
		"extensions": map[string]any{"cost": map[string]any{
			"requestedQueryCost": requested,
			"actualQueryCost":    actual,
			"throttleStatus": map[string]any{
				"maximumAvailable": shopifyBucket, "currentlyAvailable": available, "restoreRate": shopifyRestoreRate,
			},
		}},
	}
	if data != nil || len(errs) == 0 {
		out["data"] = data
	}
	if len(errs) > 0 {
		list := make([]map[string]any, len(errs))
		for i, e := range errs {
			list[i] = map[string]any{
				"message":    e.Message,
				"extensions": map[string]string{"code": e.Code, "documentation": "https://shopify.dev/api/usage/rate-limits"},
			}
		}
		out["errors"] = list
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

// shopifyPlain writes Shopify's answer to a request refused before GraphQL runs: the status
// and {"errors": "<message>"}.
func shopifyPlain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errors": msg})
}

// shopifyFail answers a queued failure with the body Shopify gives that status.
func shopifyFail(w http.ResponseWriter, status int) {
	msg := http.StatusText(status)
	switch status {
	case http.StatusUnauthorized:
		msg = shopifyInvalidTokenAnswer
	case http.StatusPaymentRequired:
		msg = "Unavailable Shop"
	case http.StatusForbidden:
		msg = "The api_client does not have the required permission(s)."
	case http.StatusLocked:
		msg = "This shop is unavailable"
	case http.StatusTooManyRequests:
		msg = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
	case http.StatusInternalServerError:
		msg = "Internal Server Error"
	}
	shopifyPlain(w, status, msg)
}
