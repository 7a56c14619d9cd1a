package tracktest

import (
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// shipEngineStatuses renders a status as ShipEngine's status_code, default
// status_detail_code and status_description. ShipEngine has no cancelled
// code; a cancelled checkpoint is rendered as UN.
var shipEngineStatuses = map[order.ShipmentStatus][3]string{
	order.ShipmentInfoReceived:       {"AC", "ELEC_ADVICE_RECD_BY_CARRIER", "Accepted"},
	order.ShipmentInTransit:          {"IT", "HUB_SCAN_OUT", "In Transit"},
	order.ShipmentOutForDelivery:     {"IT", "OUT_FOR_DELIVERY", "In Transit"},
	order.ShipmentAvailableForPickup: {"SP", "COLLECT_AT_PICKUP_POINT", "Delivered To Service Point"},
	order.ShipmentAttemptFailed:      {"AT", "DELIVERY_ATTEMPTED", "Delivery Attempt"},
	order.ShipmentDelivered:          {"DE", "DELIVERED", "Delivered"},
	order.ShipmentException:          {"EX", "DAMAGED", "Exception"},
	order.ShipmentReturnedToSender:   {"EX", "RETURN_TO_SENDER", "Exception"},
	order.ShipmentCancelled:          {"UN", "", "Unknown"},
	order.ShipmentUnknown:            {"UN", "", "Unknown"},
}

// ShipEngine writes event times in UTC with a Z and dates without a zone.
const (
	shipEngineTime = "2006-01-02T15:04:05Z"
	shipEngineDate = "2006-01-02T15:04:05"
)

// serveShipEngine answers GET /v1/tracking?carrier_code=&tracking_number=
// with the header API-Key, as ShipEngine does: the tracking information,
// 404 for a number the carrier does not know. ShipEngine asks the carrier
// on the spot, so a poll needs no registration; its webhooks do: POST
// /v1/tracking/start with the same parameters answers 204 and subscribes
// them (Webhook), or 400 for a carrier the account cannot track.
func (s *Server) serveShipEngine(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tn := strings.TrimSpace(q.Get("tracking_number"))
	carrier := strings.TrimSpace(q.Get("carrier_code"))
	authorized := r.Header.Get("API-Key") == s.key
	fail := func(w http.ResponseWriter, status int, f fault) { s.shipEngineFail(w, status, f) }
	p, ok := s.begin(w, r, tn, authorized, fail)
	if !ok {
		return
	}
	start := r.URL.Path == "/v1/tracking/start"
	switch {
	case r.URL.Path != "/v1/tracking" && !start:
		fail(w, http.StatusNotFound, fault{})
	case start && r.Method != http.MethodPost, !start && r.Method != http.MethodGet:
		fail(w, http.StatusMethodNotAllowed, fault{})
	case tn == "" || carrier == "":
		s.shipEngineError(w, http.StatusBadRequest, "validation", "field_value_required",
			"carrier_code and tracking_number are required.")
	case !s.supports(carrier):
		s.shipEngineError(w, http.StatusBadRequest, "validation", "invalid_field_value",
			"carrier_code '"+carrier+"' is not a carrier connected to this account.")
	case start:
		s.mu.Lock()
		s.register(tn, carrier)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case p == nil:
		s.shipEngineError(w, http.StatusNotFound, "validation", "invalid_identifier",
			"Tracking information for tracking number "+tn+" was not found.")
	default:
		writeJSON(w, http.StatusOK, shipEngineTracking(tn, carrier, *p))
	}
}

// shipEngineTracking renders p as ShipEngine's tracking information.
func shipEngineTracking(tn, carrier string, p parcel) map[string]any {
	t := template("shipengine_tracking.json")
	eventTemplate := t["events"].([]any)[0].(map[string]any)
	t["tracking_number"] = tn
	t["carrier_code"] = carrier
	t["tracking_url"] = nil
	t["ship_date"] = p.created.Truncate(24 * time.Hour).Format(shipEngineDate)
	t["estimated_delivery_date"] = nil
	if p.eta != nil {
		t["estimated_delivery_date"] = p.eta.Format(shipEngineDate)
	}
	t["status_code"], t["status_detail_code"], t["status_description"] = "NY", nil, "Not Yet In System"
	t["carrier_status_code"], t["carrier_status_description"] = nil, "Shipper created a label, the carrier has not received the parcel yet."
	t["status_detail_description"], t["actual_delivery_date"], t["exception_description"] = nil, nil, nil
	if n := p.newest(); n != nil {
		code, detail, desc := shipEngineStatus(*n)
		t["status_code"], t["status_detail_code"], t["status_description"] = code, nullable(detail), desc
		t["carrier_status_code"], t["carrier_status_description"] = nil, n.Description
		switch n.Status {
		case order.ShipmentDelivered:
			t["actual_delivery_date"] = n.At.UTC().Format(shipEngineDate)
		case order.ShipmentException:
			t["exception_description"] = n.Description
		}
	}
	// ShipEngine lists events newest first.
	events := make([]any, 0, len(p.checkpoints))
	for i := len(p.checkpoints) - 1; i >= 0; i-- {
		c := p.checkpoints[i]
		e := maps.Clone(eventTemplate)
		code, detail, desc := shipEngineStatus(c)
		e["occurred_at"] = c.At.UTC().Format(shipEngineTime)
		e["carrier_occurred_at"] = c.At.UTC().Format(shipEngineDate)
		e["description"] = c.Description
		e["city_locality"] = c.Location.City
		e["state_province"] = c.Location.Region
		e["postal_code"] = c.Location.PostalCode
		e["country_code"] = c.Location.Country
		e["status_code"], e["status_detail_code"], e["status_description"] = code, nullable(detail), desc
		e["status_detail_description"] = nil
		e["event_code"], e["carrier_status_code"] = nil, nil
		e["carrier_status_description"] = c.Description
		e["latitude"], e["longitude"] = nil, nil
		events = append(events, e)
	}
	t["events"] = events
	return t
}

func shipEngineStatus(c Checkpoint) (code, detail, description string) {
	row, ok := shipEngineStatuses[c.Status]
	if !ok {
		row = shipEngineStatuses[order.ShipmentUnknown]
	}
	if c.Substatus != "" {
		row[1] = c.Substatus
	}
	return row[0], row[1], row[2]
}

// shipEngineFail answers a fault in ShipEngine's error shape.
func (s *Server) shipEngineFail(w http.ResponseWriter, status int, f fault) {
	typ, code, msg := "system", "unspecified", "An unknown error occurred. Please try again."
	switch status {
	case http.StatusBadRequest:
		typ, code, msg = "validation", "invalid_field_value", "The request is invalid."
	case http.StatusUnauthorized:
		typ, code, msg = "security", "unauthorized", "The API key is invalid. Please see https://www.shipengine.com/docs/auth"
	case http.StatusForbidden:
		typ, code, msg = "security", "forbidden", "The API key is not allowed to perform this action."
	case http.StatusNotFound:
		typ, code, msg = "validation", "not_found", "The requested resource was not found."
	case http.StatusMethodNotAllowed:
		typ, code, msg = "validation", "unspecified", "The method is not allowed."
	case http.StatusTooManyRequests:
		typ, code, msg = "system", "rate_limit_exceeded", "You have exceeded the rate limit. Please see https://www.shipengine.com/docs/rate-limits"
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	s.shipEngineError(w, status, typ, code, msg)
}

func (s *Server) shipEngineError(w http.ResponseWriter, status int, typ, code, msg string) {
	writeJSON(w, status, map[string]any{
		"request_id": s.requestID(),
		"errors": []any{map[string]any{
			"error_source": "shipengine", "error_type": typ, "error_code": code, "message": msg,
		}},
	})
}
