package easypost

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

// Tracker is EasyPost's Tracker object: the result of a tracker webhook
// Event, and what EasyPost's trackers API returns, so a poller can decode
// it and call Events to get the very events (and ids) the webhook produced.
// Only the fields shipflow uses are decoded.
type Tracker struct {
	TrackingCode    string `json:"tracking_code"`
	Carrier         string `json:"carrier"` // e.g. "USPS"
	Status          string `json:"status"`
	StatusDetail    string `json:"status_detail"`
	EstDeliveryDate string `json:"est_delivery_date"`
	// UpdatedAt dates the status when there are no tracking details yet.
	UpdatedAt       string           `json:"updated_at"`
	TrackingDetails []TrackingDetail `json:"tracking_details"`
	// SignedBy is who signed for the delivery, when the carrier says.
	SignedBy string `json:"signed_by"`
}

// TrackingDetail is one carrier scan as EasyPost reports it, with the
// status EasyPost classified it as.
type TrackingDetail struct {
	Message          string           `json:"message"`
	Description      string           `json:"description"`
	Status           string           `json:"status"`
	StatusDetail     string           `json:"status_detail"`
	Datetime         string           `json:"datetime"`
	TrackingLocation TrackingLocation `json:"tracking_location"`
}

// TrackingLocation is where EasyPost says a scan happened.
type TrackingLocation struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Country string `json:"country"`
	Zip     string `json:"zip"`
}

// Events returns one canonical tracking event per tracking detail, oldest
// first, each with the status of its own detail. The tracker's delivery
// estimate goes on the newest. With no tracking details yet, the tracker's
// status makes one event dated by updated_at. A *order.FieldError names a
// field by its path within the Tracker.
func (t *Tracker) Events() ([]order.TrackingEvent, error) {
	tn := strings.TrimSpace(t.TrackingCode)
	if tn == "" {
		return nil, normalize.Required("tracking_code")
	}
	var eta *time.Time
	if strings.TrimSpace(t.EstDeliveryDate) != "" {
		at, err := normalize.ParseTime("est_delivery_date", t.EstDeliveryDate)
		if err != nil {
			return nil, err
		}
		eta = &at
	}
	var scans []normalize.Scan
	if len(t.TrackingDetails) == 0 {
		at, err := normalize.ParseTime("updated_at", t.UpdatedAt)
		if err != nil {
			return nil, err
		}
		scans = append(scans, normalize.Scan{At: at, Status: t.Status, Detail: t.StatusDetail, Carrier: t.Carrier})
	}
	for i, td := range t.TrackingDetails {
		at, err := normalize.ParseTime(fmt.Sprintf("tracking_details[%d].datetime", i), td.Datetime)
		if err != nil {
			return nil, err
		}
		l := td.TrackingLocation
		scans = append(scans, normalize.Scan{
			At:     at,
			Status: td.Status,
			Detail: td.StatusDetail,
			Desc:   cmp.Or(strings.TrimSpace(td.Message), td.Description),
			Loc: order.Location{
				City:       strings.TrimSpace(l.City),
				Region:     strings.TrimSpace(l.State),
				PostalCode: strings.TrimSpace(l.Zip),
				Country:    strings.TrimSpace(l.Country),
			},
			Carrier: t.Carrier,
		})
	}
	slices.SortStableFunc(scans, func(a, b normalize.Scan) int { return a.At.Compare(b.At) })
	// The tracker's status describes the newest detail; it stands in for a
	// newest detail EasyPost sent without one.
	if n := &scans[len(scans)-1]; strings.TrimSpace(n.Status) == "" {
		n.Status, n.Detail = t.Status, t.StatusDetail
	}
	events := normalize.Events(inbox.SourceEasyPost, tn, scans, MapStatus, eta)
	return normalize.Delivered(events, normalize.Proof(t.SignedBy, normalize.DeliveryWords(events), "")), nil
}
