// Package tracktest runs local stand-ins for the tracking APIs shipflow
// polls (AfterShip, EasyPost, ShipEngine), for tests anywhere in the
// repository. Each is an httptest.Server that checks the API key the way
// its provider does, answers in its provider's JSON (built on the example
// payloads in testdata), and serves the checkpoints a test sets for a
// tracking number in a provider-neutral form. Tests can make it fail,
// rate-limit, stall, and count the calls it received.
//
// A stand-in tells apart what the carrier knows of a parcel (SetCarrierEvents)
// from what the provider tracks: like the real aggregators, AfterShip serves
// and every provider pushes (Webhook) only the parcels registered with it
// (POST /trackings, POST /v2/trackers, POST /v1/tracking/start), so a test
// shows whether registration happened. SetEvents seeds a parcel as both known
// and registered, for tests about polling alone.
package tracktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// Provider names the tracking API a Server imitates.
type Provider string

// The providers.
const (
	AfterShip  Provider = "aftership"
	EasyPost   Provider = "easypost"
	ShipEngine Provider = "shipengine"
)

// Checkpoint is one scan in provider-neutral form. The Server renders it
// as its provider would: Status becomes the provider's status code (see
// each provider's file for the table), and Substatus, when set, replaces
// the plausible default substatus (AfterShip subtag, EasyPost
// status_detail, ShipEngine status_detail_code).
type Checkpoint struct {
	At          time.Time
	Status      order.ShipmentStatus
	Substatus   string
	Description string
	Location    order.Location
}

// parcel is what the Server knows of one tracking number.
type parcel struct {
	created     time.Time
	checkpoints []Checkpoint // oldest first
	eta         *time.Time
}

// fault is a canned failure for the next request.
type fault struct {
	status     int
	retryAfter string // the Retry-After header of a 429; "" for none
}

// Server is a stand-in for one provider's tracking API.
type Server struct {
	provider Provider
	key      string
	srv      *httptest.Server

	mu      sync.Mutex
	parcels map[string]*parcel // what the carrier knows, by order.TrackingKey
	// registered are the parcels the provider tracks, by order.TrackingKey: when
	// and under which carrier code they were registered, and how many times.
	registered  map[string]*registration
	unsupported map[string]bool // carrier codes the provider refuses, lower-cased
	faults      []fault
	requests    map[string]int // by order.TrackingKey
	latency     time.Duration
	seq         int
}

// New starts a stand-in for p, closed when the test ends. Its API key is
// APIKey().
func New(t testing.TB, p Provider) *Server {
	t.Helper()
	s := &Server{
		provider:    p,
		key:         "tracktest_" + string(p) + "_key",
		parcels:     map[string]*parcel{},
		registered:  map[string]*registration{},
		unsupported: map[string]bool{},
		requests:    map[string]int{},
	}
	var h http.HandlerFunc
	switch p {
	case AfterShip:
		h = s.serveAfterShip
	case EasyPost:
		h = s.serveEasyPost
	case ShipEngine:
		h = s.serveShipEngine
	default:
		t.Fatalf("tracktest: unknown provider %q", p)
	}
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL to put in the client's Config, like
// AFTERSHIP_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// APIKey is the only key the Server accepts.
func (s *Server) APIKey() string { return s.key }

// Close shuts the Server down before the test ends, so that a client can
// be shown a refused connection.
func (s *Server) Close() { s.srv.Close() }

// SetEvents makes trackingNumber known to the carrier and registered with
// the provider, with these checkpoints, in any order (they are served the
// way the provider lists them). No checkpoints means a tracking the provider
// knows but has no scan for yet. A number never set is unknown: the
// provider's not-found answer.
func (s *Server) SetEvents(trackingNumber string, cps ...Checkpoint) {
	s.SetCarrierEvents(trackingNumber, cps...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.register(trackingNumber, "")
}

// SetCarrierEvents gives the carrier these checkpoints for trackingNumber
// (replacing any it had) without registering the parcel with the provider:
// the provider learns of them once the parcel is registered.
func (s *Server) SetCarrierEvents(trackingNumber string, cps ...Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cps = slices.Clone(cps)
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return a.At.Compare(b.At) })
	p := s.parcel(trackingNumber)
	p.checkpoints = cps
}

// registration is a parcel the provider tracks.
type registration struct {
	at      time.Time
	carrier string // the provider's carrier code it was registered under; "" when seeded
	count   int    // registration requests accepted, the first included
	// shipDate is the ship date the provider was given (AfterShip's
	// tracking_ship_date), "" when none.
	shipDate string
}

// register records a registration of trackingNumber under carrier; s.mu is
// held. It reports whether the provider tracked the parcel already.
func (s *Server) register(trackingNumber, carrier string) (existing bool) {
	key := order.TrackingKey(trackingNumber)
	r, ok := s.registered[key]
	if !ok {
		r = &registration{at: time.Now().UTC().Truncate(time.Second), carrier: carrier}
		s.registered[key] = r
	}
	r.count++
	return ok
}

// Registered reports whether trackingNumber is registered with the provider,
// and under which of the provider's carrier codes ("" when a test seeded it).
func (s *Server) Registered(trackingNumber string) (carrier string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.registered[order.TrackingKey(trackingNumber)]
	if !ok {
		return "", false
	}
	return r.carrier, true
}

// ShipDate is the ship date the provider was given when trackingNumber was
// registered (AfterShip's tracking_ship_date, YYYYMMDD), "" when none.
func (s *Server) ShipDate(trackingNumber string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.registered[order.TrackingKey(trackingNumber)]; ok {
		return r.shipDate
	}
	return ""
}

// Registrations is how many registration requests for trackingNumber the
// provider accepted (repeats included); zero when never registered.
func (s *Server) Registrations(trackingNumber string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.registered[order.TrackingKey(trackingNumber)]; ok {
		return r.count
	}
	return 0
}

// Unsupported makes the provider refuse to track parcels of these carrier
// codes (its own codes: an AfterShip slug, an EasyPost carrier, a ShipEngine
// carrier_code), the way it refuses a carrier it does not support.
func (s *Server) Unsupported(carrierCodes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range carrierCodes {
		s.unsupported[strings.ToLower(c)] = true
	}
}

// supports reports whether the provider tracks parcels of carrier.
func (s *Server) supports(carrier string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.unsupported[strings.ToLower(strings.TrimSpace(carrier))]
}

// carrierKnows reports whether the carrier has trackingNumber.
func (s *Server) carrierKnows(trackingNumber string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.parcels[order.TrackingKey(trackingNumber)]
	return ok
}

// tracked is the parcel as the provider tracks it: nil unless registered. A
// parcel registered before the carrier scanned it is an empty one, dated by
// its registration.
func (s *Server) tracked(trackingNumber string) *parcel {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := order.TrackingKey(trackingNumber)
	r, ok := s.registered[key]
	if !ok || trackingNumber == "" {
		return nil
	}
	if p, ok := s.parcels[key]; ok {
		c := *p
		return &c
	}
	return &parcel{created: r.at}
}

// Webhook is the body the provider would push now about trackingNumber:
// AfterShip's tracking_update, EasyPost's tracker.updated Event, ShipEngine's
// API_TRACK. Nil when the parcel is not registered with the provider, which
// then sends nothing. The caller verifies nothing: signing is the server's
// side, tested there.
func (s *Server) Webhook(trackingNumber string) []byte {
	p := s.tracked(trackingNumber)
	if p == nil {
		return nil
	}
	carrier, _ := s.Registered(trackingNumber)
	var body map[string]any
	id := "evt_" + hashHex(fmt.Sprintf("%s/%s/%d/%s", s.provider, trackingNumber, len(p.checkpoints), p.updated()), 24)
	switch s.provider {
	case AfterShip:
		body = map[string]any{"event": "tracking_update", "event_id": uuidFrom(id), "is_tracking_first_tag": false,
			"msg": afterShipTracking(trackingNumber, carrier, *p), "ts": time.Now().Unix()}
	case EasyPost:
		body = map[string]any{"id": id, "object": "Event", "mode": "production", "description": "tracker.updated",
			"result": easyPostTracker(trackingNumber, carrier, *p)}
	case ShipEngine:
		body = map[string]any{"resource_url": s.URL() + "/v1/tracking?" + url.Values{"carrier_code": {carrier}, "tracking_number": {trackingNumber}}.Encode(),
			"resource_type": "API_TRACK", "data": shipEngineTracking(trackingNumber, carrier, *p)}
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return b
}

// SetETA sets the provider's delivery estimate for trackingNumber, making
// the number known if it was not.
func (s *Server) SetETA(trackingNumber string, eta time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	eta = eta.UTC()
	s.parcel(trackingNumber).eta = &eta
}

// parcel returns the parcel for trackingNumber, creating it; s.mu is held.
func (s *Server) parcel(trackingNumber string) *parcel {
	key := order.TrackingKey(trackingNumber)
	p, ok := s.parcels[key]
	if !ok {
		p = &parcel{created: time.Now().UTC().Truncate(time.Second)}
		s.parcels[key] = p
	}
	return p
}

// FailNext makes the next n requests with a valid key fail with status, in
// the provider's error shape.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status})
	}
}

// RateLimitNext makes the next n requests with a valid key answer 429 with
// retryAfter as the Retry-After header (seconds or an HTTP date; "" sends
// none, leaving only the provider's own rate-limit headers).
func (s *Server) RateLimitNext(n int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
	}
}

// SetLatency makes every answer wait d first (or until the client gives
// up), for timeout tests.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Requests is how many requests named trackingNumber, whatever their
// answer.
func (s *Server) Requests(trackingNumber string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[order.TrackingKey(trackingNumber)]
}

// TrackingObject is the provider's tracking object for trackingNumber as
// the Server serves it to a request for carrier: AfterShip's tracking (a
// webhook's msg), EasyPost's Tracker (a webhook's result), ShipEngine's
// tracking information (a webhook's data). Tests wrap it in a webhook body
// to compare the poller with the webhook normaliser. Nil when the number is
// unknown.
func (s *Server) TrackingObject(trackingNumber, carrier string) []byte {
	s.mu.Lock()
	p, ok := s.parcels[order.TrackingKey(trackingNumber)]
	var cp parcel
	if ok {
		cp = *p
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	var obj map[string]any
	switch s.provider {
	case AfterShip:
		obj = afterShipTracking(trackingNumber, carrier, cp)
	case EasyPost:
		obj = easyPostTracker(trackingNumber, carrier, cp)
	case ShipEngine:
		obj = shipEngineTracking(trackingNumber, carrier, cp)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return b
}

// begin does what every request goes through before its provider's
// routing: counting it, waiting out the latency, checking the key and
// serving a queued fault. It returns the parcel (nil when unknown) and
// false when it has answered already.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, trackingNumber string, authorized bool, fail func(w http.ResponseWriter, status int, f fault)) (*parcel, bool) {
	s.mu.Lock()
	if trackingNumber != "" {
		s.requests[order.TrackingKey(trackingNumber)]++
	}
	latency := s.latency
	s.mu.Unlock()
	if !wait(r.Context(), latency) {
		return nil, false
	}
	if !authorized {
		fail(w, http.StatusUnauthorized, fault{})
		return nil, false
	}
	s.mu.Lock()
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	var cp *parcel
	if p, ok := s.parcels[order.TrackingKey(trackingNumber)]; ok && trackingNumber != "" {
		c := *p
		cp = &c
	}
	s.mu.Unlock()
	if f != nil {
		fail(w, f.status, *f)
		return nil, false
	}
	return cp, true
}

// requestID is a fresh id for a provider's request-id field.
func (s *Server) requestID() string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	return uuidFrom(string(s.provider) + "/" + strconv.Itoa(n))
}

func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// template decodes one of the example payloads afresh, so each answer
// can be edited freely.
func template(name string) map[string]any {
	b, err := payloads.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// hashHex is a stable hex digest of s, for provider object ids.
func hashHex(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// uuidFrom formats a digest of s as a UUID.
func uuidFrom(s string) string {
	h := hashHex(s, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newest is the newest checkpoint, nil when there is none.
func (p parcel) newest() *Checkpoint {
	if len(p.checkpoints) == 0 {
		return nil
	}
	return &p.checkpoints[len(p.checkpoints)-1]
}

// updated is when the provider last changed the tracking.
func (p parcel) updated() time.Time {
	if n := p.newest(); n != nil && n.At.After(p.created) {
		return n.At.UTC()
	}
	return p.created
}

// nullable is s, or JSON null when empty, as the providers write missing
// strings.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
