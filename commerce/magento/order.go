package magento

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shipflow/shipflow/commerce"
	"github.com/shipflow/shipflow/inbox"
	"github.com/shipflow/shipflow/order"
)

// mageOrder is the part of Magento's sales order (Magento\Sales\Api\Data\OrderInterface, as
// GET /V1/orders lists it) that shipflow reads.
type mageOrder struct {
	keyed
	IncrementID       commerce.ID     `json:"increment_id"`
	State             string          `json:"state"`
	Status            string          `json:"status"`
	CustomerEmail     string          `json:"customer_email"`
	CustomerFirstname string          `json:"customer_firstname"`
	CustomerLastname  string          `json:"customer_lastname"`
	OrderCurrencyCode string          `json:"order_currency_code"`
	TotalRefunded     decimal         `json:"total_refunded"`
	BillingAddress    *address        `json:"billing_address"`
	Items             []item          `json:"items"`
	Extension         *orderExtension `json:"extension_attributes"`
}

type orderExtension struct {
	ShippingAssignments []struct {
		Shipping struct {
			Address *address `json:"address"`
		} `json:"shipping"`
	} `json:"shipping_assignments"`
}

// address is Magento's order address (billing, or shipping in a shipping assignment).
type address struct {
	Firstname string   `json:"firstname"`
	Lastname  string   `json:"lastname"`
	Street    []string `json:"street"`
	City      string   `json:"city"`
	Region    string   `json:"region"`
	Postcode  string   `json:"postcode"`
	CountryID string   `json:"country_id"`
	Telephone string   `json:"telephone"`
	Email     string   `json:"email"`
}

// item is an order line. A configurable or bundle product is listed twice, as the parent
// line and its child; only lines without a parent are counted, as Magento's own totals do.
type item struct {
	ItemID       commerce.ID `json:"item_id"`
	ParentItemID commerce.ID `json:"parent_item_id"`
	SKU          string      `json:"sku"`
	Name         string      `json:"name"`
	QtyOrdered   decimal     `json:"qty_ordered"`
}

// Order is one order read from Magento, mapped.
type Order struct {
	Key Key
	// Number is the increment_id, the order's id in shipflow.
	Number string
	// Delivered says the order's status is "delivered": the poller reads its shipments to
	// mark each one delivered (DeliveredEvents).
	Delivered bool
	Delivery  inbox.Delivery
}

// ParseOrder maps one order of a GET /V1/orders page to the delivery of its events.
//
// Errors: the JSON decoder's error for a malformed entity; an *order.FieldError naming the
// field ("billing_address.telephone"); inbox.ErrIgnored for a state that means nothing to
// shipflow yet (pending_payment).
func ParseOrder(raw json.RawMessage) (Order, error) {
	var o mageOrder
	if err := json.Unmarshal(raw, &o); err != nil {
		return Order{}, fmt.Errorf("magento order: %w", err)
	}
	out, err := o.mapped()
	if err != nil {
		return Order{}, fmt.Errorf("magento order %s: %w", o.EntityID, err)
	}
	return out, nil
}

func (o mageOrder) mapped() (Order, error) {
	k, err := o.key()
	if err != nil {
		return Order{}, err
	}
	number, err := commerce.RequireOrderID("increment_id", o.IncrementID)
	if err != nil {
		return Order{}, err
	}
	state := strings.ToLower(strings.TrimSpace(o.State))
	event := func(typ order.EventType, suffix string) order.CommerceEvent {
		return order.CommerceEvent{ID: "magento/order/" + number + "/" + suffix, Type: typ, Timestamp: k.UpdatedAt, OrderID: number}
	}
	var events []order.CommerceEvent
	switch state {
	case StateCanceled:
		// Only the cancellation: an order cancelled before shipflow heard of it (a payment
		// abandoned at the provider) must not greet the customer first.
		e := event(order.EventCancelled, "cancelled")
		e.Reason = StateCanceled
		events = append(events, e)
	case StateNew, StateHolded, StatePaymentReview, StateProcessing, StateComplete, StateClosed:
		created, err := o.created(number)
		if err != nil {
			return Order{}, err
		}
		events = append(events, created)
		if state == StateProcessing || state == StateComplete || state == StateClosed {
			events = append(events, event(order.EventConfirmed, "confirmed"))
		}
		if state == StateClosed {
			e := event(order.EventRefundProcessed, "refunded")
			if e.Amount, err = commerce.ParseAmount("total_refunded", string(o.TotalRefunded)); err != nil {
				return Order{}, err
			}
			if e.Currency, err = commerce.ParseCurrency("order_currency_code", o.OrderCurrencyCode); err != nil {
				return Order{}, err
			}
			events = append(events, e)
		}
	case "":
		return Order{}, commerce.Missing("state")
	default: // pending_payment, or a state an extension added
		return Order{}, fmt.Errorf("order %s is %s: %w", number, order.Quote(state), inbox.ErrIgnored)
	}
	d, err := inbox.Checked(inbox.Delivery{Source: inbox.SourceMagento, EventID: eventID("order", k, state), Commerce: events})
	if err != nil {
		return Order{}, err
	}
	delivered := strings.EqualFold(strings.TrimSpace(o.Status), StatusDelivered) && state == StateComplete
	return Order{Key: k, Number: number, Delivered: delivered, Delivery: d}, nil
}

// created builds order.created, dated when Magento created the order.
func (o mageOrder) created(number string) (order.CommerceEvent, error) {
	at, err := commerce.ParseGMT("created_at", o.CreatedAt)
	if err != nil {
		return order.CommerceEvent{}, err
	}
	items, err := o.items()
	if err != nil {
		return order.CommerceEvent{}, err
	}
	c := o.customer()
	return order.CommerceEvent{
		ID:              "magento/order/" + number + "/created",
		Type:            order.EventCreated,
		Timestamp:       at,
		OrderID:         number,
		Customer:        &c,
		Notify:          commerce.Channels(c),
		Items:           items,
		ShippingAddress: o.shipping().address(),
	}, nil
}

// customer is the order's contact: the customer's email and name (a guest's name is only on
// the billing address), and the billing telephone, completed to E.164 by the address's
// country when written nationally, or the shipping address's. A contact that cannot be used
// is left out rather than refused: the order is still tracked, just without messages.
func (o mageOrder) customer() order.Customer {
	b, s := o.BillingAddress, o.shipping()
	if b == nil {
		b = &address{}
	}
	if s == nil {
		s = &address{}
	}
	return order.Customer{
		Name:  first(commerce.Name(o.CustomerFirstname, o.CustomerLastname), commerce.Name(b.Firstname, b.Lastname), commerce.Name(s.Firstname, s.Lastname)),
		Email: first(commerce.Email(o.CustomerEmail), commerce.Email(b.Email)),
		Phone: first(commerce.PhoneIn(b.Telephone, b.CountryID), commerce.PhoneIn(s.Telephone, s.CountryID)),
	}
}

// shipping is the first shipping assignment's address; nil for virtual goods.
func (o mageOrder) shipping() *address {
	if o.Extension == nil {
		return nil
	}
	for _, a := range o.Extension.ShippingAssignments {
		if a.Shipping.Address != nil {
			return a.Shipping.Address
		}
	}
	return nil
}

// items lists the order's top-level lines with their ordered quantity. Magento allows a line
// without a SKU (a custom option product); its item id stands in.
func (o mageOrder) items() ([]order.Item, error) {
	var items []order.Item
	for i, l := range o.Items {
		if l.ParentItemID != "" {
			continue
		}
		qty, err := quantity(fmt.Sprintf("items[%d].qty_ordered", i), l.QtyOrdered)
		if err != nil {
			return nil, err
		}
		if qty <= 0 {
			continue
		}
		sku := strings.TrimSpace(l.SKU)
		if sku == "" {
			id, err := commerce.RequireID(fmt.Sprintf("items[%d].item_id", i), l.ItemID)
			if err != nil {
				return nil, err
			}
			sku = "magento-item-" + id
		}
		items = append(items, order.Item{SKU: sku, Name: strings.TrimSpace(l.Name), Quantity: qty})
	}
	return items, nil
}

// maxQuantity bounds a line's quantity: more is a data error, not an order.
const maxQuantity = 1_000_000

// quantity reads Magento's decimal quantity ("2.0000" or 2) as whole units; a fraction
// (goods sold by weight) is rounded up, as it is still one parcel's worth of the line.
func quantity(field string, n decimal) (int, error) {
	if n == "" {
		return 0, nil
	}
	f, ok := n.float()
	if !ok || f < 0 || f > maxQuantity {
		return 0, commerce.Invalid(field, "must be a quantity between 0 and %d, got %s", maxQuantity, order.Quote(string(n)))
	}
	q := int(f)
	if float64(q) < f {
		q++
	}
	return q, nil
}

// address maps a Magento address; nil when it is empty.
func (a *address) address() *order.Address {
	if a == nil {
		return nil
	}
	var line1, line2 string
	if len(a.Street) > 0 {
		line1 = strings.TrimSpace(a.Street[0])
	}
	if len(a.Street) > 1 {
		line2 = commerce.Name(a.Street[1:]...)
	}
	addr := order.Address{
		Name:       commerce.Name(a.Firstname, a.Lastname),
		Line1:      line1,
		Line2:      line2,
		City:       strings.TrimSpace(a.City),
		Region:     strings.TrimSpace(a.Region),
		PostalCode: strings.TrimSpace(a.Postcode),
		Country:    strings.TrimSpace(a.CountryID),
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
