package aftership

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

// Tracking is AfterShip's tracking object: the msg of a tracking_update
// webhook, and what AfterShip's tracking API returns for one shipment, so a
// poller can decode it and call Events to get the very events (and ids) the
// webhook produced. Only the fields shipflow uses are decoded.
type Tracking struct {
	TrackingNumber string `json:"tracking_number"`
	Slug           string `json:"slug"` // AfterShip's carrier code, e.g. "dhl"
	Tag            string `json:"tag"`
	Subtag         string `json:"subtag"`
	SubtagMessage  string `json:"subtag_message"`
	// UpdatedAt dates the status when there are no checkpoints yet.
	UpdatedAt   string       `json:"updated_at"`
	Checkpoints []Checkpoint `json:"checkpoints"`
	// SignedBy is who signed for the delivery, when the carrier says.
	SignedBy string `json:"signed_by"`

	// Delivery estimates, the first one given wins: AfterShip's consolidated
	// latest estimate, the carrier's, then AfterShip's own prediction.
	LatestEstimatedDelivery        *LatestEstimate `json:"latest_estimated_delivery"`
	ExpectedDelivery               string          `json:"expected_delivery"`
	CourierEstimatedDeliveryDate   *DateEstimate   `json:"courier_estimated_delivery_date"`
	AfterShipEstimatedDeliveryDate *DateEstimate   `json:"aftership_estimated_delivery_date"`
}

// Checkpoint is one carrier scan as AfterShip reports it, tagged by
// AfterShip with the status it stands for.
type Checkpoint struct {
	CheckpointTime string `json:"checkpoint_time"`
	Message        string `json:"message"`
	Tag            string `json:"tag"`
	Subtag         string `json:"subtag"`
	Slug           string `json:"slug"`
	City           string `json:"city"`
	State          string `json:"state"`
	// Zip was renamed postal_code in webhook version 2026-01; either is read.
	Zip        string `json:"zip"`
	PostalCode string `json:"postal_code"`
	// CountryISO3 was renamed country_region in later versions; either is read.
	CountryISO3   string `json:"country_iso3"`
	CountryRegion string `json:"country_region"`
}

// LatestEstimate is AfterShip's latest_estimated_delivery: one time, or a
// range of which the end is the promise worth keeping.
type LatestEstimate struct {
	Datetime    string `json:"datetime"`
	DatetimeMax string `json:"datetime_max"`
}

// DateEstimate is the shape AfterShip gives its carrier and predicted
// delivery dates: one date, or a range.
type DateEstimate struct {
	EstimatedDeliveryDate    string `json:"estimated_delivery_date"`
	EstimatedDeliveryDateMax string `json:"estimated_delivery_date_max"`
}

// Events returns one canonical tracking event per checkpoint, oldest first,
// each with the status of its own tag. The tracking's delivery estimate goes
// on the newest. With no checkpoints yet, the tracking's status makes one
// event dated by updated_at. A *order.FieldError names a field by its path
// within the tracking object.
func (t *Tracking) Events() ([]order.TrackingEvent, error) {
	tn := strings.TrimSpace(t.TrackingNumber)
	if tn == "" {
		return nil, normalize.Required("tracking_number")
	}
	eta, err := t.estimate()
	if err != nil {
		return nil, err
	}
	var scans []normalize.Scan
	if len(t.Checkpoints) == 0 {
		at, err := normalize.ParseTime("updated_at", t.UpdatedAt)
		if err != nil {
			return nil, err
		}
		scans = append(scans, normalize.Scan{At: at, Status: t.Tag, Detail: t.Subtag, Desc: t.SubtagMessage, Carrier: t.Slug})
	}
	for i, c := range t.Checkpoints {
		at, err := normalize.ParseTime(fmt.Sprintf("checkpoints[%d].checkpoint_time", i), c.CheckpointTime)
		if err != nil {
			return nil, err
		}
		scans = append(scans, normalize.Scan{
			At:     at,
			Status: c.Tag,
			Detail: c.Subtag,
			Desc:   c.Message,
			Loc: order.Location{
				City:       strings.TrimSpace(c.City),
				Region:     strings.TrimSpace(c.State),
				PostalCode: strings.TrimSpace(cmp.Or(c.PostalCode, c.Zip)),
				Country:    country(cmp.Or(c.CountryRegion, c.CountryISO3)),
			},
			Carrier: cmp.Or(t.Slug, c.Slug),
		})
	}
	slices.SortStableFunc(scans, func(a, b normalize.Scan) int { return a.At.Compare(b.At) })
	// The tracking's tag describes the newest checkpoint; it stands in for
	// a newest checkpoint AfterShip has not tagged.
	if n := &scans[len(scans)-1]; strings.TrimSpace(n.Status) == "" && strings.TrimSpace(n.Detail) == "" {
		n.Status, n.Detail = t.Tag, t.Subtag
	}
	events := normalize.Events(inbox.SourceAfterShip, tn, scans, MapStatus, eta)
	return normalize.Delivered(events, normalize.Proof(t.SignedBy, normalize.DeliveryWords(events), "")), nil
}

// estimate is the tracking's delivery estimate, nil when it gives none.
func (t *Tracking) estimate() (*time.Time, error) {
	type source struct{ field, value string }
	var sources []source
	if l := t.LatestEstimatedDelivery; l != nil {
		sources = append(sources,
			source{"latest_estimated_delivery.datetime", l.Datetime},
			source{"latest_estimated_delivery.datetime_max", l.DatetimeMax})
	}
	sources = append(sources, source{"expected_delivery", t.ExpectedDelivery})
	if c := t.CourierEstimatedDeliveryDate; c != nil {
		sources = append(sources,
			source{"courier_estimated_delivery_date.estimated_delivery_date", c.EstimatedDeliveryDate},
			source{"courier_estimated_delivery_date.estimated_delivery_date_max", c.EstimatedDeliveryDateMax})
	}
	if a := t.AfterShipEstimatedDeliveryDate; a != nil {
		sources = append(sources,
			source{"aftership_estimated_delivery_date.estimated_delivery_date", a.EstimatedDeliveryDate},
			source{"aftership_estimated_delivery_date.estimated_delivery_date_max", a.EstimatedDeliveryDateMax})
	}
	for _, s := range sources {
		if strings.TrimSpace(s.value) == "" {
			continue
		}
		at, err := normalize.ParseTime(s.field, s.value)
		if err != nil {
			return nil, err
		}
		return &at, nil
	}
	return nil, nil
}
