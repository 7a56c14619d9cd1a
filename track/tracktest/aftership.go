package tracktest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/order"
)

// The AfterShip endpoints served, of the API version the client speaks:
// GET /trackings (the poller), POST /trackings (create a tracking) and POST
// /couriers/detect.
const (
	afterShipPath       = "/tracking/2026-01/trackings"
	afterShipDetectPath = "/tracking/2026-01/couriers/detect"
)

// afterShipTags renders a status as an AfterShip tag and default subtag.
// AfterShip has no cancelled tag; a cancelled checkpoint is rendered as an
// Exception.
var afterShipTags = map[order.ShipmentStatus][3]string{
	order.ShipmentInfoReceived:       {"InfoReceived", "InfoReceived_001", "Info Received"},
	order.ShipmentInTransit:          {"InTransit", "InTransit_001", "In Transit"},
	order.ShipmentOutForDelivery:     {"OutForDelivery", "OutForDelivery_001", "Out for Delivery"},
	order.ShipmentAvailableForPickup: {"AvailableForPickup", "AvailableForPickup_001", "Available for Pickup"},
	order.ShipmentAttemptFailed:      {"AttemptFail", "AttemptFail_001", "Failed Attempt"},
	order.ShipmentDelivered:          {"Delivered", "Delivered_001", "Delivered"},
	order.ShipmentException:          {"Exception", "Exception_001", "Exception"},
	order.ShipmentReturnedToSender:   {"Exception", "Exception_011", "Returned to sender"},
	order.ShipmentCancelled:          {"Exception", "Exception_001", "Exception"},
	order.ShipmentUnknown:            {"Expired", "Expired_001", "Expired"},
}

// iso3 renders the alpha-2 countries of shipflow's locations as the
// alpha-3 codes AfterShip writes; others are passed through.
var iso3 = map[string]string{
	"LT": "LTU", "LV": "LVA", "EE": "EST", "PL": "POL", "DE": "DEU", "FI": "FIN",
	"SE": "SWE", "NL": "NLD", "FR": "FRA", "GB": "GBR", "US": "USA", "CN": "CHN",
}

// afterShipTime is how AfterShip writes times: with an offset.
const afterShipTime = "2006-01-02T15:04:05-07:00"

// afterShipBody is the body of AfterShip's POST endpoints (2024-04 and
// later: the fields at the top level). Slug is a string on create and a list
// on detect, so it is kept raw.
type afterShipBody struct {
	TrackingNumber *string         `json:"tracking_number"`
	Slug           json.RawMessage `json:"slug"`
	ShipDate       *string         `json:"tracking_ship_date"`
}

// afterShipRequired are the additional tracking fields AfterShip's courier
// list (GET /couriers, required_fields) names for a slug the stand-in knows:
// a tracking created without them is refused with 4011.
var afterShipRequired = map[string][]string{
	"deutsch-post": {"tracking_ship_date"},
}

// afterShipShipDate is the documented form of tracking_ship_date: YYYYMMDD.
var afterShipShipDate = regexp.MustCompile(`^[0-9]{8}$`)

// serveAfterShip answers AfterShip's tracking API as AfterShip does, with
// the header as-api-key: GET /trackings?tracking_numbers= lists the
// trackings registered (an empty list when none is), POST /trackings creates
// one (4003 "Tracking already exists" the second time), POST
// /couriers/detect names the courier of a number the carrier knows.
func (s *Server) serveAfterShip(w http.ResponseWriter, r *http.Request) {
	var body afterShipBody
	badJSON := false
	tn := strings.TrimSpace(r.URL.Query().Get("tracking_numbers"))
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		badJSON = json.Unmarshal(b, &body) != nil
		if body.TrackingNumber != nil {
			tn = strings.TrimSpace(*body.TrackingNumber)
		}
	}
	authorized := r.Header.Get("as-api-key") == s.key
	if _, ok := s.begin(w, r, tn, authorized, afterShipFail); !ok {
		return
	}
	switch {
	case r.URL.Path != afterShipPath && r.URL.Path != afterShipDetectPath:
		afterShipFail(w, http.StatusNotFound, fault{})
	case r.URL.Path == afterShipPath && r.Method == http.MethodGet:
		s.afterShipList(w, r, tn)
	case r.Method != http.MethodPost:
		afterShipFail(w, http.StatusMethodNotAllowed, fault{})
	case badJSON:
		afterShipError(w, http.StatusBadRequest, 4001, "Invalid JSON data.")
	case tn == "":
		afterShipError(w, http.StatusBadRequest, 4007, "tracking_number is required.")
	case r.URL.Path == afterShipDetectPath:
		s.afterShipDetect(w, tn)
	default:
		var slug string
		if len(body.Slug) > 0 && json.Unmarshal(body.Slug, &slug) != nil {
			afterShipError(w, http.StatusBadRequest, 4010, "The value of slug is invalid.")
			return
		}
		s.afterShipCreate(w, tn, strings.TrimSpace(slug), body.ShipDate)
	}
}

func (s *Server) afterShipList(w http.ResponseWriter, r *http.Request, tn string) {
	slug := strings.TrimSpace(r.URL.Query().Get("slug"))
	body := template("aftership_trackings.json")
	data := body["data"].(map[string]any)
	trackings := []any{}
	if p := s.tracked(tn); p != nil && !strings.Contains(tn, ",") {
		if slug == "" {
			slug, _ = s.Registered(tn)
		}
		trackings = append(trackings, afterShipTracking(tn, slug, *p))
	}
	data["trackings"] = trackings
	data["pagination"] = map[string]any{"total": len(trackings), "next_cursor": nil, "has_next_page": false}
	s.afterShipOK(w, http.StatusOK, body)
}

// afterShipCreate creates a tracking: with no slug AfterShip detects the
// courier itself, and refuses a number it cannot place (4012); a courier
// whose required fields are missing or malformed is refused (4011), and a
// malformed ship date is a bad request whatever the courier.
func (s *Server) afterShipCreate(w http.ResponseWriter, tn, slug string, shipDate *string) {
	validDate := false
	if shipDate != nil {
		_, err := time.Parse("20060102", *shipDate)
		validDate = err == nil && afterShipShipDate.MatchString(*shipDate)
	}
	switch {
	case shipDate != nil && !validDate && len(afterShipRequired[slug]) == 0:
		afterShipFail(w, http.StatusBadRequest, fault{})
		return
	case slices.Contains(afterShipRequired[slug], "tracking_ship_date") && !validDate:
		afterShipError(w, http.StatusBadRequest, 4011,
			"Missing or invalid value of the required fields for this courier. Besides tracking_number, also required: tracking_ship_date")
		return
	case slug == "" && !s.carrierKnows(tn):
		afterShipError(w, http.StatusBadRequest, 4012, "Unable to import shipment as we don't recognize the carrier from this tracking number.")
		return
	case slug == "":
		slug = "dpd"
	case !s.supports(slug):
		afterShipError(w, http.StatusBadRequest, 4010, "The value of slug is invalid.")
		return
	}
	s.mu.Lock()
	existing := s.register(tn, slug)
	if !existing && shipDate != nil {
		s.registered[order.TrackingKey(tn)].shipDate = *shipDate
	}
	s.mu.Unlock()
	if existing {
		afterShipError(w, http.StatusBadRequest, 4003, "Tracking already exists.")
		return
	}
	t := afterShipTracking(tn, slug, *s.tracked(tn))
	s.afterShipOK(w, http.StatusCreated, map[string]any{
		"meta": map[string]any{"code": 201, "message": "Created", "type": "Created"},
		"data": t,
	})
}

// afterShipDetect names the courier of a number the carrier knows: the
// stand-in's parcels are DPD's. A number no carrier knows matches none.
func (s *Server) afterShipDetect(w http.ResponseWriter, tn string) {
	couriers := []any{}
	if s.carrierKnows(tn) && s.supports("dpd") {
		couriers = append(couriers, map[string]any{
			"slug": "dpd", "name": "DPD", "phone": nil, "other_name": "DPD Group",
			"web_url": "https://www.dpd.com", "required_fields": []any{}, "optional_fields": []any{},
			"default_language": "en", "support_languages": []any{"en"},
			"service_from_country_regions": []any{"DEU", "LTU", "LVA"},
		})
	}
	s.afterShipOK(w, http.StatusOK, map[string]any{
		"meta": map[string]any{"code": 200, "message": "OK", "type": "OK"},
		"data": map[string]any{"total": len(couriers), "couriers": couriers},
	})
}

func (s *Server) afterShipOK(w http.ResponseWriter, status int, body any) {
	w.Header().Set("as-api-version", "2026-01")
	w.Header().Set("X-RateLimit-Limit", "6")
	w.Header().Set("X-RateLimit-Remaining", "5")
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
	writeJSON(w, status, body)
}

// afterShipError answers one of AfterShip's own errors, meta.code beyond the
// HTTP status.
func afterShipError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"meta": map[string]any{"code": code, "message": msg, "type": "BadRequest"},
		"data": map[string]any{},
	})
}

// afterShipTracking renders p as AfterShip's tracking object.
func afterShipTracking(tn, slug string, p parcel) map[string]any {
	if slug == "" {
		slug = "dpd"
	}
	t := template("aftership_trackings.json")["data"].(map[string]any)["trackings"].([]any)[0].(map[string]any)
	cpTemplate := t["checkpoints"].([]any)[0].(map[string]any)
	t["id"] = hashHex("aftership/"+tn, 24)
	t["tracking_number"] = tn
	t["title"] = tn
	t["slug"] = slug
	t["courier_tracking_link"] = nil
	t["created_at"] = p.created.Format(afterShipTime)
	t["updated_at"] = p.updated().Format(afterShipTime)
	t["tracked_count"] = len(p.checkpoints) + 1
	t["tag"], t["subtag"], t["subtag_message"] = "Pending", "Pending_001", "Pending"
	if n := p.newest(); n != nil {
		t["tag"], t["subtag"], t["subtag_message"] = afterShipTag(*n)
	}
	t["latest_estimated_delivery"] = nil
	if p.eta != nil {
		t["latest_estimated_delivery"] = map[string]any{
			"type": "specific", "source": "Carrier EDD", "datetime": p.eta.Format(afterShipTime),
			"datetime_min": nil, "datetime_max": nil, "revise_reason": nil,
		}
	}
	cps := make([]any, 0, len(p.checkpoints))
	for _, c := range p.checkpoints {
		cp := maps.Clone(cpTemplate)
		tag, subtag, msg := afterShipTag(c)
		cp["slug"] = slug
		cp["checkpoint_time"] = c.At.UTC().Format(afterShipTime)
		cp["created_at"] = c.At.UTC().Add(3 * time.Minute).Format(afterShipTime)
		cp["message"] = c.Description
		cp["tag"], cp["subtag"], cp["subtag_message"] = tag, subtag, msg
		cp["city"] = nullable(c.Location.City)
		cp["state"] = nullable(c.Location.Region)
		cp["postal_code"] = nullable(c.Location.PostalCode)
		cp["country_region"] = nullable(alpha3(c.Location.Country))
		cp["country_region_name"] = nil
		cp["location"] = nullable(strings.Trim(c.Location.City+", "+c.Location.Country, ", "))
		cp["raw_tag"] = nil
		cps = append(cps, cp)
	}
	t["checkpoints"] = cps
	return t
}

func afterShipTag(c Checkpoint) (tag, subtag, message string) {
	row, ok := afterShipTags[c.Status]
	if !ok {
		row = afterShipTags[order.ShipmentUnknown]
	}
	if c.Substatus != "" {
		row[1] = c.Substatus
	}
	return row[0], row[1], row[2]
}

func alpha3(country string) string {
	if c, ok := iso3[strings.ToUpper(country)]; ok {
		return c
	}
	return country
}

// afterShipFail answers as AfterShip does: meta with its code, message and
// type, and empty data; a 429 carries the X-RateLimit-* headers.
func afterShipFail(w http.ResponseWriter, status int, f fault) {
	code, msg, typ := status, http.StatusText(status), "Error"
	switch status {
	case http.StatusBadRequest:
		msg, typ = "The request was invalid or cannot be otherwise served.", "BadRequest"
	case http.StatusUnauthorized:
		msg, typ = "The API Key is invalid.", "Unauthorized"
	case http.StatusForbidden:
		msg, typ = "The request is understood, but it has been refused or access is not allowed.", "Forbidden"
	case http.StatusNotFound:
		msg, typ = "The URI requested is invalid or the resource requested does not exist.", "NotFound"
	case http.StatusTooManyRequests:
		msg, typ = "You have exceeded the API call rate limit.", "TooManyRequests"
		w.Header().Set("X-RateLimit-Limit", "6")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		msg, typ = "Something went wrong on AfterShip's end.", "InternalError"
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	writeJSON(w, status, map[string]any{
		"meta": map[string]any{"code": code, "message": msg, "type": typ},
		"data": map[string]any{},
	})
}
