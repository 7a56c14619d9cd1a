package order

import (
	"slices"
	"time"
)

// View is the order as the API, the voice assistant and webhook
// subscribers see it (docs/reference/api.md). It holds copies, so it can be handed
// out while the workflow goes on changing the order.
type View struct {
	OrderID          string     `json:"order_id"`
	Status           Status     `json:"status"`
	Customer         Customer   `json:"customer"`
	Notify           NotifyView `json:"notify"`
	Items            []Item     `json:"items"`
	PromisedDelivery *time.Time `json:"promised_delivery,omitempty"`
	// EstimatedDelivery is shipflow's estimate before anything ships (Order.EstimatedDelivery).
	EstimatedDelivery *time.Time     `json:"estimated_delivery,omitempty"`
	ShippingAddress   *Address       `json:"shipping_address,omitempty"`
	Shipments         []ShipmentView `json:"shipments"`
	Exception         *Exception     `json:"exception"`
	Timeline          []Entry        `json:"timeline"`
	Refunds           []Refund       `json:"refunds,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	DeliveredAt       *time.Time     `json:"delivered_at,omitempty"`
	CancelledAt       *time.Time     `json:"cancelled_at,omitempty"`
	CancelReason      string         `json:"cancel_reason,omitempty"`
	ReturnedAt        *time.Time     `json:"returned_at,omitempty"`
	ReturnReason      string         `json:"return_reason,omitempty"`
	// Origin is the commerce platform the order came from (Order.Origin); absent for the
	// commerce API.
	Origin Origin `json:"origin,omitempty"`
}

// NotifyView mirrors the "notify" object of order.created, so a client
// reads back the shape it sent.
type NotifyView struct {
	Channels []Channel `json:"channels"`
	// DailyUpdates is the customer's own choice about daily updates; absent means the
	// merchant's default.
	DailyUpdates *bool `json:"daily_updates,omitempty"`
}

// ShipmentView is one shipment in the order view.
type ShipmentView struct {
	ShipmentID        string         `json:"shipment_id"`
	Carrier           string         `json:"carrier"`
	TrackingNumber    string         `json:"tracking_number"`
	Status            ShipmentStatus `json:"status"`
	Substatus         string         `json:"substatus"`
	LastLocation      *Location      `json:"last_location"`
	EstimatedDelivery *time.Time     `json:"estimated_delivery"`
	// ETASource says who gave EstimatedDelivery (carrier, merchant, estimate, driver).
	ETASource      ETASource  `json:"eta_source,omitempty"`
	LastEventAt    *time.Time `json:"last_event_at"`
	Items          []string   `json:"items"`
	ShippedAt      time.Time  `json:"shipped_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	FailedAttempts int        `json:"failed_attempts,omitempty"`
	// TrackingProvider is the provider the parcel is registered with (aftership, easypost,
	// shipengine); Registration says how registering went, for staff.
	TrackingProvider string        `json:"tracking_provider,omitempty"`
	Registration     *Registration `json:"registration,omitempty"`
	// Return marks the parcel the customer sends back (Shipment.Return).
	Return bool `json:"return,omitempty"`
	// Proof is the carrier's proof of delivery (who signed, where it was left, a photo).
	Proof *Proof `json:"proof_of_delivery,omitempty"`
}

// View returns the order's view with the timeline newest first. Entries
// with equal times show the later arrival first, as it is the one that
// counted.
func (o *Order) View() View {
	v := o.Summary()
	n := len(o.Timeline)
	v.Timeline = make([]Entry, n)
	for i, e := range o.Timeline {
		if l := e.Location; l != nil {
			c := *l
			e.Location = &c
		}
		if p := e.Proof; p != nil {
			c := *p
			e.Proof = &c
		}
		v.Timeline[n-1-i] = e
	}
	slices.SortStableFunc(v.Timeline, func(a, b Entry) int { return b.At.Compare(a.At) })
	return v
}

// Summary is the view without its timeline, which outbound events and the read model's order
// row leave out: copying and sorting up to MaxTimeline entries there would be wasted.
func (o *Order) Summary() View {
	v := View{
		OrderID:           o.ID,
		Status:            o.Status,
		Customer:          o.Customer,
		Notify:            NotifyView{Channels: nonNil(o.Notify), DailyUpdates: cloneBool(o.DailyUpdates)},
		Items:             nonNil(o.Items),
		PromisedDelivery:  utcp(o.PromisedDelivery),
		EstimatedDelivery: utcp(o.EstimatedDelivery),
		Shipments:         make([]ShipmentView, len(o.Shipments)),
		Refunds:           slices.Clone(o.Refunds),
		CreatedAt:         o.CreatedAt,
		UpdatedAt:         o.UpdatedAt,
		DeliveredAt:       utcp(o.DeliveredAt),
		CancelledAt:       utcp(o.CancelledAt),
		CancelReason:      o.CancelReason,
		ReturnedAt:        utcp(o.ReturnedAt),
		ReturnReason:      o.ReturnReason,
		Origin:            o.Origin,
	}
	if a := o.ShippingAddress; a != nil {
		c := *a
		v.ShippingAddress = &c
	}
	if x := o.Exception; x != nil {
		c := *x
		v.Exception = &c
	}
	for i, s := range o.Shipments {
		sv := ShipmentView{
			ShipmentID:        s.ID,
			Carrier:           s.Carrier,
			TrackingNumber:    s.TrackingNumber,
			Status:            s.Status,
			Substatus:         s.Substatus,
			EstimatedDelivery: utcp(s.EstimatedDelivery),
			ETASource:         s.ETASource,
			LastEventAt:       utcp(s.LastEventAt),
			Items:             nonNil(s.Items),
			ShippedAt:         s.ShippedAt,
			DeliveredAt:       utcp(s.DeliveredAt),
			FailedAttempts:    s.FailedAttempts,
			Return:            s.Return,
		}
		if l := s.LastLocation; l != nil {
			c := *l
			sv.LastLocation = &c
		}
		if r := s.Registration; r != nil {
			c := *r
			c.Refusals = slices.Clone(r.Refusals)
			sv.Registration = &c
			if r.Status == RegistrationRegistered {
				sv.TrackingProvider = r.Provider
			}
		}
		if p := s.Proof; p != nil {
			c := *p
			sv.Proof = &c
		}
		v.Shipments[i] = sv
	}
	return v
}

// nonNil copies s, never returning nil, so lists encode as [] not null.
func nonNil[T any](s []T) []T {
	return append(make([]T, 0, len(s)), s...)
}
