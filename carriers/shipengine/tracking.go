package shipengine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shipflow/shipflow/carriers/normalize"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// TrackingInfo is ShipEngine's tracking information: the data of an
// API_TRACK webhook, and what ShipEngine's tracking API returns, so a poller
// can decode it and call Events to get the very events (and ids) the
// webhook produced. Only the fields shipflow uses are decoded.
type TrackingInfo struct {
	TrackingNumber           string `json:"tracking_number"`
	CarrierCode              string `json:"carrier_code"` // e.g. "stamps_com", "ups"
	StatusCode               string `json:"status_code"`
	StatusDetailCode         string `json:"status_detail_code"`
	StatusDescription        string `json:"status_description"`
	CarrierStatusDescription string `json:"carrier_status_description"`
	ExceptionDescription     string `json:"exception_description"`
	EstimatedDeliveryDate    string `json:"estimated_delivery_date"`
	// With no events yet, the status is dated by actual_delivery_date, or
	// else by ship_date: ShipEngine sends no update time.
	ActualDeliveryDate string       `json:"actual_delivery_date"`
	ShipDate           string       `json:"ship_date"`
	TrackEvents        []TrackEvent `json:"events"`
}

// TrackEvent is one carrier scan as ShipEngine reports it. Older payloads
// leave its status codes empty; the tracking information's status then
// stands for the newest.
type TrackEvent struct {
	OccurredAt       string `json:"occurred_at"`
	Description      string `json:"description"`
	CityLocality     string `json:"city_locality"`
	StateProvince    string `json:"state_province"`
	PostalCode       string `json:"postal_code"`
	CountryCode      string `json:"country_code"`
	StatusCode       string `json:"status_code"`
	StatusDetailCode string `json:"status_detail_code"`
	// Signer is who signed for the parcel, on the event that delivered it.
	Signer string `json:"signer"`
}

// Events returns one canonical tracking event per track event, oldest
// first, each with the status of its own codes. ShipEngine lists events
// newest first; they are put in time order, and the delivery estimate goes
// on the newest. With no events yet, the tracking's status makes one event
// (see ActualDeliveryDate). A *order.FieldError names a field by its path
// within the tracking information.
func (t *TrackingInfo) Events() ([]order.TrackingEvent, error) {
	tn := strings.TrimSpace(t.TrackingNumber)
	if tn == "" {
		return nil, normalize.Required("tracking_number")
	}
	var eta *time.Time
	if strings.TrimSpace(t.EstimatedDeliveryDate) != "" {
		at, err := normalize.ParseTime("estimated_delivery_date", t.EstimatedDeliveryDate)
		if err != nil {
			return nil, err
		}
		eta = &at
	}
	var scans []normalize.Scan
	if len(t.TrackEvents) == 0 {
		field, value := "ship_date", t.ShipDate
		if strings.TrimSpace(t.ActualDeliveryDate) != "" {
			field, value = "actual_delivery_date", t.ActualDeliveryDate
		}
		at, err := normalize.ParseTime(field, value)
		if err != nil {
			return nil, err
		}
		scans = append(scans, normalize.Scan{
			At:      at,
			Status:  t.StatusCode,
			Detail:  t.StatusDetailCode,
			Desc:    cmp.Or(strings.TrimSpace(t.ExceptionDescription), strings.TrimSpace(t.CarrierStatusDescription), t.StatusDescription),
			Carrier: t.CarrierCode,
		})
	}
	// Walk newest first as listed, so that scans ShipEngine dates the same
	// end up in the order they happened once sorted.
	for i, ev := range slices.Backward(t.TrackEvents) {
		at, err := normalize.ParseTime(fmt.Sprintf("events[%d].occurred_at", i), ev.OccurredAt)
		if err != nil {
			return nil, err
		}
		scans = append(scans, normalize.Scan{
			At:     at,
			Status: ev.StatusCode,
			Detail: ev.StatusDetailCode,
			Desc:   ev.Description,
			Loc: order.Location{
				City:       strings.TrimSpace(ev.CityLocality),
				Region:     strings.TrimSpace(ev.StateProvince),
				PostalCode: strings.TrimSpace(ev.PostalCode),
				Country:    strings.TrimSpace(ev.CountryCode),
			},
			Carrier: t.CarrierCode,
		})
	}
	slices.SortStableFunc(scans, func(a, b normalize.Scan) int { return a.At.Compare(b.At) })
	// The tracking's status describes the newest event; it stands in for a
	// newest event without codes of its own.
	if n := &scans[len(scans)-1]; strings.TrimSpace(n.Status) == "" {
		n.Status = t.StatusCode
		if strings.TrimSpace(n.Detail) == "" {
			n.Detail = t.StatusDetailCode
		}
	}
	events := normalize.Events(inbox.SourceShipEngine, tn, scans, MapStatus, eta)
	var signer string
	for _, ev := range t.TrackEvents { // newest first
		if signer = strings.TrimSpace(ev.Signer); signer != "" {
			break
		}
	}
	return normalize.Delivered(events, normalize.Proof(signer, normalize.DeliveryWords(events), "")), nil
}
