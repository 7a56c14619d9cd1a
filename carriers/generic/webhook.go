// Package generic reads shipflow's own carrier tracking webhook
// (docs/reference/inbound.md, provider "generic"): the format a carrier or an integration
// without an adapter of its own posts, already in shipflow's status
// vocabulary. It owns that format's parsing and checks, and the id that
// lets the same scan posted twice count once. The Standard Webhooks
// signature is verified by the caller before ParseWebhook runs.
package generic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/carriers/normalize"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// typeTrackingUpdated is the only event type of the generic carrier webhook.
const typeTrackingUpdated = "tracking.updated"

// webhook is the generic carrier webhook's body (docs/reference/inbound.md). Its data is
// decoded once the type says it is a tracking update.
type webhook struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// update is the data of a tracking.updated event.
type update struct {
	Carrier           string         `json:"carrier"`
	TrackingNumber    string         `json:"tracking_number"`
	Status            string         `json:"status"`
	Substatus         string         `json:"substatus"`
	Description       string         `json:"description"`
	Location          order.Location `json:"location"`
	OccurredAt        string         `json:"occurred_at"`
	EstimatedDelivery string         `json:"estimated_delivery"`
	// Proof is the proof of delivery of a delivered update.
	Proof *proof `json:"proof"`
}

// proof is data.proof: who signed, where the parcel was left (the carrier's words or one of
// the place codes), and an https link to a photo.
type proof struct {
	SignedBy string `json:"signed_by"`
	Location string `json:"location"`
	PhotoURL string `json:"photo_url"`
}

// ParseWebhook reads one generic carrier webhook body into a delivery with
// its one tracking event, so that the inbox can store it and the relay can
// apply it. The body's webhook-id header is the delivery id, so EventID is
// left for the caller to set.
//
// Times are RFC 3339. An event without occurred_at is dated by the body's
// timestamp, the moment the sender reported it. Malformed JSON returns the
// *json.SyntaxError or *json.UnmarshalTypeError (wrapped), a missing or
// invalid field (a status outside the vocabulary of docs/reference/statuses.md included) an
// *order.FieldError naming its path, and a type other than
// tracking.updated inbox.ErrUnsupported.
func ParseWebhook(body []byte) (inbox.Delivery, error) {
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return inbox.Delivery{}, fmt.Errorf("generic carrier webhook: %w", err)
	}
	switch {
	case w.Type == "":
		return inbox.Delivery{}, required("type")
	case w.Type != typeTrackingUpdated:
		return inbox.Delivery{}, fmt.Errorf("generic carrier event %s: %w", order.Quote(w.Type), inbox.ErrUnsupported)
	case len(w.Data) == 0 || string(w.Data) == "null":
		return inbox.Delivery{}, required("data")
	}
	var u update
	if err := json.Unmarshal(w.Data, &u); err != nil {
		return inbox.Delivery{}, fmt.Errorf("generic carrier webhook data: %w", err)
	}
	e, err := u.event(w.Timestamp)
	if err != nil {
		return inbox.Delivery{}, err
	}
	d, err := inbox.Checked(inbox.Delivery{Source: inbox.SourceGeneric, Tracking: []order.TrackingEvent{e}})
	return d, normalize.Within("data", err)
}

// event checks u and makes it a tracking event; timestamp dates it when u
// does not say when it happened.
func (u update) event(timestamp string) (order.TrackingEvent, error) {
	tn := strings.TrimSpace(u.TrackingNumber)
	if tn == "" {
		return order.TrackingEvent{}, required("data.tracking_number")
	}
	if u.Status == "" {
		return order.TrackingEvent{}, required("data.status")
	}
	status, err := order.ParseShipmentStatus(u.Status)
	if err != nil {
		return order.TrackingEvent{}, &order.FieldError{Field: "data.status", Problem: "is not a known shipment status: " + order.Quote(u.Status)}
	}
	field, value := "data.occurred_at", u.OccurredAt
	if strings.TrimSpace(value) == "" && strings.TrimSpace(timestamp) != "" {
		field, value = "timestamp", timestamp
	}
	at, err := parseTime(field, value)
	if err != nil {
		return order.TrackingEvent{}, err
	}
	e := order.TrackingEvent{
		Source:         inbox.SourceGeneric,
		Carrier:        strings.TrimSpace(u.Carrier),
		TrackingNumber: tn,
		Status:         status,
		Substatus:      strings.TrimSpace(u.Substatus),
		RawStatus:      u.Status,
		Description:    strings.TrimSpace(u.Description),
		Location: order.Location{
			City:       strings.TrimSpace(u.Location.City),
			Region:     strings.TrimSpace(u.Location.Region),
			PostalCode: strings.TrimSpace(u.Location.PostalCode),
			Country:    strings.TrimSpace(u.Location.Country),
		},
		OccurredAt: at,
	}
	if strings.TrimSpace(u.EstimatedDelivery) != "" {
		eta, err := parseTime("data.estimated_delivery", u.EstimatedDelivery)
		if err != nil {
			return order.TrackingEvent{}, err
		}
		e.EstimatedDelivery = &eta
	}
	if p := u.Proof; p != nil {
		if status != order.ShipmentDelivered {
			return order.TrackingEvent{}, &order.FieldError{Field: "data.proof", Problem: "is only for status delivered, got " + order.Quote(u.Status)}
		}
		e.Proof = order.NewProof(p.SignedBy, p.Location, p.PhotoURL)
	}
	e.ID = eventID(tn, e.OccurredAt, e.RawStatus, e.Description)
	return e, nil
}
