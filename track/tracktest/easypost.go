package tracktest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"

	"github.com/shipflow/shipflow/order"
)

// easyPostStatuses renders a status as EasyPost's status and default
// status_detail.
var easyPostStatuses = map[order.ShipmentStatus][2]string{
	order.ShipmentInfoReceived:       {"pre_transit", "label_created"},
	order.ShipmentInTransit:          {"in_transit", "arrived_at_facility"},
	order.ShipmentOutForDelivery:     {"out_for_delivery", "out_for_delivery"},
	order.ShipmentAvailableForPickup: {"available_for_pickup", "arrived_at_pickup_location"},
	order.ShipmentAttemptFailed:      {"failure", "delivery_exception"},
	order.ShipmentDelivered:          {"delivered", "arrived_at_destination"},
	order.ShipmentException:          {"failure", "transit_exception"},
	order.ShipmentReturnedToSender:   {"return_to_sender", "return"},
	order.ShipmentCancelled:          {"cancelled", "cancelled"},
	order.ShipmentUnknown:            {"unknown", "unknown"},
}

// easyPostTime is how EasyPost writes times: RFC 3339 in UTC.
const easyPostTime = "2006-01-02T15:04:05Z"

// serveEasyPost answers POST /v2/trackers {"tracker":{"tracking_code",
// "carrier"}} with HTTP basic auth (the API key as user, no password), as
// EasyPost does: the Tracker for the code, the same one again on a repeated
// create, and 422 TRACKER.CREATE.ERROR for a code no carrier knows or a
// carrier EasyPost does not track. Creating is registering: from then on the
// stand-in pushes the Tracker (Webhook).
func (s *Server) serveEasyPost(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tracker struct {
			TrackingCode string `json:"tracking_code"`
			Carrier      string `json:"carrier"`
		} `json:"tracker"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	badJSON := json.Unmarshal(body, &req) != nil
	tn := strings.TrimSpace(req.Tracker.TrackingCode)
	user, _, ok := r.BasicAuth()
	p, ok := s.begin(w, r, tn, ok && user == s.key, easyPostFail)
	if !ok {
		return
	}
	switch {
	case r.URL.Path != "/v2/trackers":
		easyPostFail(w, http.StatusNotFound, fault{})
	case r.Method != http.MethodPost:
		easyPostFail(w, http.StatusMethodNotAllowed, fault{})
	case badJSON:
		easyPostError(w, http.StatusUnprocessableEntity, "PARAMETER.INVALID", "The request body is not valid JSON.")
	case tn == "":
		easyPostError(w, http.StatusUnprocessableEntity, "PARAMETER.REQUIRED", "Missing required parameter: tracker[tracking_code].")
	case !s.supports(req.Tracker.Carrier):
		easyPostError(w, http.StatusUnprocessableEntity, "TRACKER.CREATE.ERROR",
			"Unable to create tracker: carrier "+req.Tracker.Carrier+" is not supported for tracking.")
	case p == nil:
		easyPostError(w, http.StatusUnprocessableEntity, "TRACKER.CREATE.ERROR",
			"Unable to create tracker: tracking code "+tn+" was not recognized by any carrier.")
	default:
		s.mu.Lock()
		s.register(tn, req.Tracker.Carrier)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, easyPostTracker(tn, req.Tracker.Carrier, *p))
	}
}

// easyPostTracker renders p as EasyPost's Tracker.
func easyPostTracker(tn, carrier string, p parcel) map[string]any {
	if carrier == "" {
		carrier = "DPD"
	}
	t := template("easypost_tracker.json")
	detailTemplate := t["tracking_details"].([]any)[0].(map[string]any)
	id := hashHex("easypost/"+tn, 32)
	t["id"] = "trk_" + id
	t["tracking_code"] = tn
	t["carrier"] = carrier
	t["created_at"] = p.created.Format(easyPostTime)
	t["updated_at"] = p.updated().Format(easyPostTime)
	t["public_url"] = "https://track.easypost.com/" + id
	t["status"], t["status_detail"] = "unknown", "unknown"
	if n := p.newest(); n != nil {
		t["status"], t["status_detail"] = easyPostStatus(*n)
	}
	t["est_delivery_date"] = nil
	if p.eta != nil {
		t["est_delivery_date"] = p.eta.Format(easyPostTime)
	}
	details := make([]any, 0, len(p.checkpoints))
	for _, c := range p.checkpoints {
		d := maps.Clone(detailTemplate)
		d["message"] = c.Description
		d["description"] = nil
		d["status"], d["status_detail"] = easyPostStatus(c)
		d["datetime"] = c.At.UTC().Format(easyPostTime)
		d["source"] = carrier
		d["carrier_code"] = nil
		d["tracking_location"] = map[string]any{
			"object":  "TrackingLocation",
			"city":    nullable(c.Location.City),
			"state":   nullable(c.Location.Region),
			"country": nullable(c.Location.Country),
			"zip":     nullable(c.Location.PostalCode),
		}
		details = append(details, d)
	}
	t["tracking_details"] = details
	return t
}

func easyPostStatus(c Checkpoint) (status, detail string) {
	row, ok := easyPostStatuses[c.Status]
	if !ok {
		row = easyPostStatuses[order.ShipmentUnknown]
	}
	if c.Substatus != "" {
		row[1] = c.Substatus
	}
	return row[0], row[1]
}

// easyPostFail answers a fault in EasyPost's error shape.
func easyPostFail(w http.ResponseWriter, status int, f fault) {
	code, msg := "INTERNAL_SERVER_ERROR", "Something went wrong on our end."
	switch status {
	case http.StatusBadRequest:
		code, msg = "BAD_REQUEST", "The request could not be understood."
	case http.StatusUnauthorized:
		code, msg = "UNAUTHORIZED", "Unauthorized. Please check credentials and try again."
	case http.StatusForbidden:
		code, msg = "FORBIDDEN", "The API key is not allowed to perform this action."
	case http.StatusNotFound:
		code, msg = "NOT_FOUND", "The requested resource could not be found."
	case http.StatusMethodNotAllowed:
		code, msg = "METHOD.NOT_ALLOWED", "The method is not allowed for this resource."
	case http.StatusTooManyRequests:
		code, msg = "RATE_LIMIT.EXCEEDED", "You have exceeded the rate limit, please slow down."
	case http.StatusServiceUnavailable:
		code, msg = "SERVICE.UNAVAILABLE", "The service is temporarily unavailable."
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	easyPostError(w, status, code, msg)
}

func easyPostError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"code": code, "message": msg, "errors": []any{}},
	})
}
