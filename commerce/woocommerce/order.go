package woocommerce

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// wooOrder is the part of the REST API v3 order resource (the order.*
// payloads) that shipflow reads.
type wooOrder struct {
	ID              commerce.ID `json:"id"`
	Status          string      `json:"status"`
	Currency        string      `json:"currency"`
	Total           string      `json:"total"`
	DateCreatedGMT  string      `json:"date_created_gmt"`
	DateModifiedGMT string      `json:"date_modified_gmt"`
	Billing         address     `json:"billing"`
	Shipping        address     `json:"shipping"`
	LineItems       []lineItem  `json:"line_items"`
	MetaData        []meta      `json:"meta_data"`
}

type address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type lineItem struct {
	ID       commerce.ID `json:"id"`
	Name     string      `json:"name"`
	SKU      string      `json:"sku"`
	Quantity int         `json:"quantity"`
}

func parseCreated(body []byte) (inbox.Delivery, error) {
	o, id, err := decode(body)
	if err != nil {
		return inbox.Delivery{}, err
	}
	created, err := o.created(id)
	if err != nil {
		return inbox.Delivery{}, err
	}
	// An order can be created already paid or even completed (by staff,
	// or by an import); what its status says follows the creation.
	more, err := o.statusEvents(id)
	if err != nil && !isIgnored(err) {
		return inbox.Delivery{}, err
	}
	return inbox.Delivery{Commerce: append([]order.CommerceEvent{created}, more...)}, nil
}

func parseUpdated(body []byte) (inbox.Delivery, error) {
	o, id, err := decode(body)
	if err != nil {
		return inbox.Delivery{}, err
	}
	events, err := o.statusEvents(id)
	if err != nil {
		return inbox.Delivery{}, err
	}
	return inbox.Delivery{Commerce: events}, nil
}

// parseDeleted maps a trashed order to a cancellation. WooCommerce sends
// only {"id": N} for a deleted resource, with no time, so the event is
// dated when it is read.
func parseDeleted(body []byte) (inbox.Delivery, error) {
	o, id, err := decode(body)
	if err != nil {
		return inbox.Delivery{}, err
	}
	at := time.Now().UTC().Truncate(time.Second)
	if o.DateModifiedGMT != "" {
		if at, err = commerce.ParseGMT("date_modified_gmt", o.DateModifiedGMT); err != nil {
			return inbox.Delivery{}, err
		}
	}
	return inbox.Delivery{Commerce: []order.CommerceEvent{{
		ID:        "woocommerce/order/" + id + "/deleted",
		Type:      order.EventCancelled,
		Timestamp: at,
		OrderID:   id,
		Reason:    "deleted",
	}}}, nil
}

// decode reads an order payload and its id, which every event needs.
func decode(body []byte) (wooOrder, string, error) {
	var o wooOrder
	if err := json.Unmarshal(body, &o); err != nil {
		return o, "", err
	}
	id, err := commerce.RequireOrderID("id", o.ID)
	return o, id, err
}

// created builds order.created from the order as first seen.
func (o wooOrder) created(id string) (order.CommerceEvent, error) {
	at, err := commerce.ParseGMT("date_created_gmt", o.DateCreatedGMT)
	if err != nil {
		return order.CommerceEvent{}, err
	}
	c := o.customer()
	items, err := o.items()
	if err != nil {
		return order.CommerceEvent{}, err
	}
	return order.CommerceEvent{
		ID:              "woocommerce/order/" + id + "/created",
		Type:            order.EventCreated,
		Timestamp:       at,
		OrderID:         id,
		Customer:        &c,
		Notify:          commerce.Channels(c),
		Items:           items,
		ShippingAddress: o.Shipping.address(),
	}, nil
}

// customer is the billing contact, the one WooCommerce requires at
// checkout. A phone not in E.164 form (WooCommerce stores what was typed)
// is dropped rather than guessed. An order with no usable email or phone is
// still tracked, just without messages: refusing it would make WooCommerce
// disable the webhook after five failed deliveries.
func (o wooOrder) customer() order.Customer {
	c := order.Customer{
		Name:  first(commerce.Name(o.Billing.FirstName, o.Billing.LastName), commerce.Name(o.Shipping.FirstName, o.Shipping.LastName)),
		Email: commerce.Email(o.Billing.Email),
		Phone: first(commerce.Phone(o.Billing.Phone), commerce.Phone(o.Shipping.Phone)),
	}
	return c
}

// items lists the order lines. WooCommerce allows products without a SKU;
// the line item's id stands in so the line is still counted.
func (o wooOrder) items() ([]order.Item, error) {
	var items []order.Item
	for i, l := range o.LineItems {
		if l.Quantity <= 0 {
			continue
		}
		sku := strings.TrimSpace(l.SKU)
		if sku == "" {
			id, err := commerce.RequireID(fmt.Sprintf("line_items[%d].id", i), l.ID)
			if err != nil {
				return nil, err
			}
			sku = "woocommerce-line-item-" + id
		}
		items = append(items, order.Item{SKU: sku, Name: strings.TrimSpace(l.Name), Quantity: l.Quantity})
	}
	return items, nil
}

// address maps the shipping address; it is nil for an order that ships
// nowhere (virtual goods).
func (a address) address() *order.Address {
	addr := order.Address{
		Name:       commerce.Name(a.FirstName, a.LastName),
		Line1:      strings.TrimSpace(a.Address1),
		Line2:      strings.TrimSpace(a.Address2),
		City:       strings.TrimSpace(a.City),
		Region:     strings.TrimSpace(a.State),
		PostalCode: strings.TrimSpace(a.Postcode),
		Country:    strings.TrimSpace(a.Country),
	}
	if addr == (order.Address{}) {
		return nil
	}
	return &addr
}

// first returns the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
