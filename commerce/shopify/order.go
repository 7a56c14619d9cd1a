package shopify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// shopifyOrder is the part of Shopify's order resource (the orders/*
// payloads) that shipflow reads.
type shopifyOrder struct {
	ID              commerce.ID `json:"id"`
	Email           string      `json:"email"`
	ContactEmail    string      `json:"contact_email"`
	Phone           string      `json:"phone"`
	CustomerLocale  string      `json:"customer_locale"`
	CreatedAt       string      `json:"created_at"`
	UpdatedAt       string      `json:"updated_at"`
	CancelledAt     string      `json:"cancelled_at"`
	CancelReason    string      `json:"cancel_reason"`
	Customer        *customer   `json:"customer"`
	LineItems       []lineItem  `json:"line_items"`
	ShippingAddress *address    `json:"shipping_address"`
	BillingAddress  *address    `json:"billing_address"`
}

type customer struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

type address struct {
	Name         string `json:"name"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	CountryCode  string `json:"country_code"`
	Phone        string `json:"phone"`
}

// lineItem is an order line, in an order or in a fulfillment: Shopify
// repeats the order's line items, with their ids, in each fulfillment.
type lineItem struct {
	ID               commerce.ID `json:"id"`
	SKU              string      `json:"sku"`
	Name             string      `json:"name"`
	Title            string      `json:"title"`
	Quantity         int         `json:"quantity"`
	RequiresShipping *bool       `json:"requires_shipping"`
}

func parseOrderCreated(body []byte) (inbox.Delivery, error) {
	var o shopifyOrder
	if err := json.Unmarshal(body, &o); err != nil {
		return inbox.Delivery{}, err
	}
	id, err := commerce.RequireOrderID("id", o.ID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	at, err := commerce.ParseTime("created_at", o.CreatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	c := o.customer()
	items, err := orderItems(o.LineItems)
	if err != nil {
		return inbox.Delivery{}, err
	}
	e := order.CommerceEvent{
		ID:              "shopify/order/" + id + "/created",
		Type:            order.EventCreated,
		Timestamp:       at,
		OrderID:         id,
		Customer:        &c,
		Notify:          commerce.Channels(c),
		Items:           items,
		ShippingAddress: o.ShippingAddress.address(),
		// Its order id is Shopify's and its shipments' ids Shopify's fulfillment ids, which
		// is what writing milestones back to the shop needs (outbound's shopify connector).
		Origin: order.OriginShopify,
	}
	return inbox.Delivery{Commerce: []order.CommerceEvent{e}}, nil
}

func parseOrderCancelled(body []byte) (inbox.Delivery, error) {
	var o shopifyOrder
	if err := json.Unmarshal(body, &o); err != nil {
		return inbox.Delivery{}, err
	}
	id, err := commerce.RequireOrderID("id", o.ID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	at, err := commerce.ParseTime("cancelled_at", o.CancelledAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	e := order.CommerceEvent{
		ID:        "shopify/order/" + id + "/cancelled",
		Type:      order.EventCancelled,
		Timestamp: at,
		OrderID:   id,
		Reason:    strings.TrimSpace(o.CancelReason),
	}
	return inbox.Delivery{Commerce: []order.CommerceEvent{e}}, nil
}

// parseOrderUpdated reads orders/updated as a contact change (order.updated): the order's
// email, phone and customer locale, found as orders/create finds them. Shopify sends the whole
// order on every edit (a tag, a note, a fulfillment); the order's rules drop a change that
// changes nothing. The event id carries updated_at, so a retry of the same edit is one event
// and the next edit another. An order left with no contact at all has nothing to apply.
func parseOrderUpdated(body []byte) (inbox.Delivery, error) {
	var o shopifyOrder
	if err := json.Unmarshal(body, &o); err != nil {
		return inbox.Delivery{}, err
	}
	id, err := commerce.RequireOrderID("id", o.ID)
	if err != nil {
		return inbox.Delivery{}, err
	}
	at, err := commerce.ParseTime("updated_at", o.UpdatedAt)
	if err != nil {
		return inbox.Delivery{}, err
	}
	all := o.customer()
	c := order.Customer{Email: all.Email, Phone: all.Phone, Locale: all.Locale}
	if c == (order.Customer{}) {
		return inbox.Delivery{}, fmt.Errorf("order %s has no email, phone or locale: %w", id, inbox.ErrIgnored)
	}
	e := order.CommerceEvent{
		ID:        "shopify/order/" + id + "/updated/" + at.UTC().Format(time.RFC3339Nano),
		Type:      order.EventOrderUpdated,
		Timestamp: at,
		OrderID:   id,
		Customer:  &c,
	}
	return inbox.Delivery{Commerce: []order.CommerceEvent{e}}, nil
}

// customer gathers who the order is for. Shopify spreads contact details
// over the order (the checkout contact), the customer record and the
// addresses; the order's own come first because they are what the buyer
// gave for this order. A phone that is not in E.164 form is dropped rather
// than guessed. An order with no usable email or phone at all (a point-of-sale
// or phone order) is still tracked, just without messages: refusing it would
// make Shopify retry and in the end drop the whole webhook subscription.
func (o shopifyOrder) customer() order.Customer {
	var cu customer
	if o.Customer != nil {
		cu = *o.Customer
	}
	c := order.Customer{
		Name:   first(commerce.Name(cu.FirstName, cu.LastName), o.ShippingAddress.name(), o.BillingAddress.name()),
		Email:  first(commerce.Email(o.Email), commerce.Email(o.ContactEmail), commerce.Email(cu.Email)),
		Phone:  first(commerce.Phone(o.Phone), commerce.Phone(cu.Phone), commerce.Phone(o.ShippingAddress.phone()), commerce.Phone(o.BillingAddress.phone())),
		Locale: strings.TrimSpace(o.CustomerLocale),
	}
	return c
}

// orderItems lists the lines that will ship. Lines that need no shipping
// (gift cards, digital goods, protection plans) never appear in a
// fulfillment, and counting them would keep the order from ever reaching
// shipped.
func orderItems(lines []lineItem) ([]order.Item, error) {
	var items []order.Item
	for i, l := range lines {
		if !l.ships() {
			continue
		}
		sku, err := l.sku(i)
		if err != nil {
			return nil, err
		}
		items = append(items, order.Item{SKU: sku, Name: first(strings.TrimSpace(l.Name), strings.TrimSpace(l.Title)), Quantity: l.Quantity})
	}
	return items, nil
}

// ships reports whether the line is something a fulfillment will carry.
func (l lineItem) ships() bool {
	return l.Quantity > 0 && (l.RequiresShipping == nil || *l.RequiresShipping)
}

// sku names the line's product. Many shops leave SKUs empty; the line
// item's id then stands in, which works because a fulfillment repeats the
// order's line items with the same ids, so both sides name it alike.
func (l lineItem) sku(i int) (string, error) {
	if s := strings.TrimSpace(l.SKU); s != "" {
		return s, nil
	}
	if l.ID == "" {
		return "", commerce.Missing(fmt.Sprintf("line_items[%d].sku", i))
	}
	id, err := commerce.RequireID(fmt.Sprintf("line_items[%d].id", i), l.ID)
	if err != nil {
		return "", err
	}
	return "shopify-line-item-" + id, nil
}

// address maps a Shopify address, preferring ISO codes for region and
// country as carriers report them. It is nil when there is nothing in it.
func (a *address) address() *order.Address {
	if a == nil {
		return nil
	}
	addr := order.Address{
		Name:       a.name(),
		Line1:      strings.TrimSpace(a.Address1),
		Line2:      strings.TrimSpace(a.Address2),
		City:       strings.TrimSpace(a.City),
		Region:     first(strings.TrimSpace(a.ProvinceCode), strings.TrimSpace(a.Province)),
		PostalCode: strings.TrimSpace(a.Zip),
		Country:    first(strings.TrimSpace(a.CountryCode), strings.TrimSpace(a.Country)),
	}
	if addr == (order.Address{}) {
		return nil
	}
	return &addr
}

func (a *address) name() string {
	if a == nil {
		return ""
	}
	return first(strings.TrimSpace(a.Name), commerce.Name(a.FirstName, a.LastName))
}

func (a *address) phone() string {
	if a == nil {
		return ""
	}
	return a.Phone
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
