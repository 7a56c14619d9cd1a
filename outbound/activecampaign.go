package outbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/shipflow/shipflow/order"
)

// ActiveCampaign's v3 API (developers.activecampaign.com/reference): the customer's contact,
// found or created by email, gets the milestone's tag, which automations start on, and the
// shipping custom fields, which emails personalise with.
const (
	// ActiveCampaignToken names the credential: the API token of Settings > Developer.
	ActiveCampaignToken = "api_token"
	// activeCampaignHost is the suffix of every account's API URL (https://<account>.api-us1.com),
	// the only hosts the token is sent to besides a stand-in. There is no default: the
	// endpoint's url is the account's.
	activeCampaignHost = ".api-us1.com"
	// activeCampaignIDsFor is how long an account's field and tag ids are reused before they are
	// looked up again: a field the merchant adds is used within it.
	activeCampaignIDsFor = 10 * time.Minute
	// maxActiveCampaignFields is the most fields one lookup lists (the API's largest page).
	maxActiveCampaignFields = 100
)

// activeCampaignTags are the tag each event type adds to the contact: a contract
// (docs/connectors.md), since automations start on "Tag is added" with the tag's name.
var activeCampaignTags = map[order.PublishType]string{
	order.PublishOrderCreated:           "order-created",
	order.PublishOrderConfirmed:         "order-confirmed",
	order.PublishOrderPacked:            "packed",
	order.PublishOrderShipped:           "shipped",
	order.PublishShipmentUpdated:        "shipment-updated",
	order.PublishShipmentOutForDelivery: "out-for-delivery",
	order.PublishShipmentException:      "exception",
	order.PublishOrderDelivered:         "delivered",
	order.PublishOrderCancelled:         "cancelled",
	order.PublishOrderReturnInitiated:   "return-initiated",
	order.PublishOrderRefundProcessed:   "refunded",
	order.PublishNotificationFailed:     "notification-failed",
	order.PublishOrderHumanRequested:    "callback-requested",
}

// activeCampaignTag is the tag of event type t: the table's, else the type's words joined by
// dashes, so a type added later still tags.
func activeCampaignTag(t string) string {
	if tag, ok := activeCampaignTags[order.PublishType(t)]; ok {
		return tag
	}
	return strings.NewReplacer(".", "-", "_", "-").Replace(t)
}

// activeCampaignFields are the custom fields set on the contact, by the personalization tag
// ActiveCampaign derives from a field's title ("Shipping Stage" is %SHIPPING_STAGE%). A field
// the account does not have is left out: the merchant creates the ones they use.
var activeCampaignFields = []struct {
	Perstag string
	Value   func(shipping) string
}{
	{"SHIPPING_STAGE", func(s shipping) string { return words(s.Stage) }},
	{"SHIPPING_CARRIER", func(s shipping) string { return s.Carrier }},
	{"TRACKING_NUMBER", func(s shipping) string { return s.TrackingNumber }},
	{"TRACKING_LINK", func(s shipping) string { return s.TrackingURL }},
	{"SHIPPING_ETA", func(s shipping) string { return etaDate(s.ETA) }}, // a date field's form, which a text field shows as it is
	{"SHIPPING_ORDER_ID", func(s shipping) string { return s.OrderID }},
}

// activeCampaign is KindActiveCampaign's Transport.
type activeCampaign struct{ s *Sender }

// Send syncs the contact with the shipping fields, then adds the milestone's tag, finding or
// creating the tag first. Every step is idempotent: a sync of the same values changes nothing,
// and ActiveCampaign answers a tag the contact already has with the existing contactTag, so a
// retry after a lost answer adds nothing twice (and, as ActiveCampaign documents, an
// automation does not start again for a tag the contact still has). The account allows 5
// requests a second: the field and tag ids are kept for activeCampaignIDsFor, so an attempt
// is two requests, and a 429 waits for its Retry-After on the schedule.
func (a activeCampaign) Send(ctx context.Context, o Outgoing, _ int) (Result, time.Time) {
	now := time.Now()
	base, err := platformURL(o.Endpoint.URL, "", activeCampaignHost, a.s.Policy)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	s, err := a.s.shippingOf(o.Event)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, now
	}
	if s.Email == "" {
		return Result{Outcome: Failed, Err: fmt.Sprintf("order %s: the customer has no email, which ActiveCampaign names contacts by", s.OrderID)}, now
	}
	c := acCall{s: a.s, ctx: ctx, base: base, token: o.Credentials[ActiveCampaignToken], start: now}
	ids := activeCampaignIDs.account(base, c.token)

	fields, res, ok := c.fields(ids)
	if !ok {
		return c.done(res, "listing fields"), now
	}
	contact, res, ok := c.syncContact(s, fields)
	if !ok {
		return c.done(res, "syncing the contact"), now
	}
	tag := activeCampaignTag(o.Event.Type)
	tagID, res, ok := c.tag(ids, tag)
	if !ok {
		return c.done(res, "finding tag "+tag), now
	}
	res, ok = c.addTag(contact, tagID)
	if !ok {
		if res.Status == http.StatusNotFound || res.Status == http.StatusUnprocessableEntity {
			ids.forgetTag(tag) // deleted in ActiveCampaign since it was looked up: look again
			res.Outcome = Retry
		}
		return c.done(res, "tagging the contact "+tag), now
	}
	return c.done(res, ""), now
}

// acCall makes an attempt's requests to one account.
type acCall struct {
	s           *Sender
	ctx         context.Context
	base, token string
	start       time.Time
}

// done is the attempt's Result: the last request's, its latency the whole attempt's, its
// error naming the step that failed.
func (c *acCall) done(r Result, step string) Result {
	r.Latency = time.Since(c.start)
	if step != "" && r.Outcome != Delivered {
		msg := step
		if r.Status != 0 {
			msg += fmt.Sprintf(": ActiveCampaign answered %d", r.Status)
		}
		if r.Err != "" {
			msg += ": " + r.Err
		}
		r.Err = msg
	}
	return r
}

// do makes one request and decodes a 2xx answer into out (nil: none). A 2xx whose body is not
// what the API documents is retried: the platform misspoke, and nothing of the attempt needs
// undoing.
func (c *acCall) do(method, path string, in, out any) (Result, bool) {
	var body *bytes.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return Result{Outcome: Failed, Err: "encoding request: " + err.Error()}, false
		}
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, body)
	if err != nil {
		return Result{Outcome: Failed, Err: err.Error()}, false
	}
	req.Header.Set("Api-Token", c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, raw := c.s.callRead(req)
	if res.Outcome != Delivered {
		return res, false
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			res.Outcome, res.Err = Retry, "reading answer: "+err.Error()
			return res, false
		}
	}
	return res, true
}

// acField is a custom field as GET /api/3/fields lists it.
type acField struct {
	ID      string `json:"id"`
	Perstag string `json:"perstag"`
}

// fields are the account's shipping fields' ids by personalization tag, from the cache or the
// API.
func (c *acCall) fields(ids *acAccount) (map[string]string, Result, bool) {
	if f, ok := ids.cachedFields(); ok {
		return f, Result{Outcome: Delivered}, true
	}
	var page struct {
		Fields []acField `json:"fields"`
	}
	res, ok := c.do(http.MethodGet, fmt.Sprintf("/api/3/fields?limit=%d", maxActiveCampaignFields), nil, &page)
	if !ok {
		return nil, res, false
	}
	f := activeCampaignFieldIDs(page.Fields)
	ids.keepFields(f)
	return f, res, true
}

// activeCampaignFieldIDs picks the shipping fields out of an account's fields. Perstags are
// matched without case or the %...% ActiveCampaign shows them in.
func activeCampaignFieldIDs(fields []acField) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		tag := strings.ToUpper(strings.Trim(f.Perstag, "% "))
		for _, want := range activeCampaignFields {
			if tag == want.Perstag && f.ID != "" && validID(f.ID) {
				out[want.Perstag] = f.ID
			}
		}
	}
	return out
}

// validID reports whether id is an ActiveCampaign id: a decimal number, as every id is. An
// answer naming anything else is not used in a path or a body.
func validID(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for i := range len(id) {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// syncContact creates or updates the contact by email with the shipping field values and
// returns its id.
func (c *acCall) syncContact(s shipping, fields map[string]string) (string, Result, bool) {
	type fieldValue struct {
		Field string `json:"field"`
		Value string `json:"value"`
	}
	values := []fieldValue{}
	for _, f := range activeCampaignFields {
		if id, ok := fields[f.Perstag]; ok {
			values = append(values, fieldValue{Field: id, Value: f.Value(s)})
		}
	}
	in := map[string]any{"contact": map[string]any{"email": s.Email, "fieldValues": values}}
	var out struct {
		Contact struct {
			ID string `json:"id"`
		} `json:"contact"`
	}
	res, ok := c.do(http.MethodPost, "/api/3/contact/sync", in, &out)
	if ok && !validID(out.Contact.ID) {
		res.Outcome, res.Err, ok = Retry, "the answer names no contact id", false
	}
	return out.Contact.ID, res, ok
}

// acTag is a tag as the API lists and creates it.
type acTag struct {
	ID      string `json:"id"`
	Tag     string `json:"tag"`
	TagType string `json:"tagType"`
}

// tag is the id of the contact tag named name: cached, found, or created.
func (c *acCall) tag(ids *acAccount, name string) (string, Result, bool) {
	if id, ok := ids.cachedTag(name); ok {
		return id, Result{Outcome: Delivered}, true
	}
	id, res, ok := c.findTag(name)
	if ok && id == "" {
		var out struct {
			Tag acTag `json:"tag"`
		}
		in := map[string]any{"tag": map[string]string{"tag": name, "tagType": "contact", "description": "Added by shipflow on the order's " + name + " milestone"}}
		res, ok = c.do(http.MethodPost, "/api/3/tags", in, &out)
		switch {
		case ok && validID(out.Tag.ID):
			id = out.Tag.ID
		case ok:
			res.Outcome, res.Err, ok = Retry, "the answer names no tag id", false
		case res.Status == http.StatusUnprocessableEntity:
			// Another attempt created it since the search: use that one.
			id, res, ok = c.findTag(name)
			if ok && id == "" {
				res.Outcome, res.Err, ok = Failed, "ActiveCampaign refused to create the tag", false
			}
		}
	}
	if ok {
		ids.keepTag(name, id)
	}
	return id, res, ok
}

// findTag searches the account's tags for a contact tag named exactly name ("" when none):
// the search matches parts of names.
func (c *acCall) findTag(name string) (string, Result, bool) {
	var out struct {
		Tags []acTag `json:"tags"`
	}
	res, ok := c.do(http.MethodGet, "/api/3/tags?search="+url.QueryEscape(name), nil, &out)
	if !ok {
		return "", res, false
	}
	return pickTag(out.Tags, name), res, true
}

// pickTag is the id of the contact tag named name among tags, or "".
func pickTag(tags []acTag, name string) string {
	for _, t := range tags {
		if strings.EqualFold(t.Tag, name) && (t.TagType == "" || t.TagType == "contact") && validID(t.ID) {
			return t.ID
		}
	}
	return ""
}

// addTag adds the tag to the contact.
func (c *acCall) addTag(contact, tag string) (Result, bool) {
	in := map[string]any{"contactTag": map[string]string{"contact": contact, "tag": tag}}
	return c.do(http.MethodPost, "/api/3/contactTags", in, nil)
}

// activeCampaignIDs are the field and tag ids of every account this process has sent to.
var activeCampaignIDs = &acIDs{accounts: map[string]*acAccount{}}

// acIDs keeps ActiveCampaign's ids per account (API URL and token), so that an attempt does
// not look up what the last one found: the account's 5 requests a second go to contacts.
type acIDs struct {
	mu       sync.Mutex
	accounts map[string]*acAccount
}

// maxActiveCampaignAccounts bounds the cache; past it, it starts over.
const maxActiveCampaignAccounts = 1000

func (c *acIDs) account(base, token string) *acAccount {
	sum := sha256.Sum256([]byte(base + "\x00" + token))
	key := hex.EncodeToString(sum[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[key]
	if !ok {
		if len(c.accounts) >= maxActiveCampaignAccounts {
			c.accounts = map[string]*acAccount{}
		}
		a = &acAccount{tags: map[string]string{}}
		c.accounts[key] = a
	}
	return a
}

// acAccount is one account's ids.
type acAccount struct {
	mu       sync.Mutex
	fields   map[string]string
	fieldsAt time.Time
	tags     map[string]string
}

func (a *acAccount) cachedFields() (map[string]string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fields, a.fields != nil && time.Since(a.fieldsAt) < activeCampaignIDsFor
}

func (a *acAccount) keepFields(f map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fields, a.fieldsAt = f, time.Now()
}

func (a *acAccount) cachedTag(name string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.tags[name]
	return id, ok
}

func (a *acAccount) keepTag(name, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tags[name] = id
}

func (a *acAccount) forgetTag(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.tags, name)
}

// checkActiveCampaign refuses what ActiveCampaign would: a token that is not its form (a
// 400 naming the field), and a url that is not an account's API URL (https://<account>.api-us1.com,
// required: 400 when absent, 422 when another host), except a stand-in reached by address.
func checkActiveCampaign(raw string, creds map[string]string) error {
	if err := checkKey("credentials."+ActiveCampaignToken, creds[ActiveCampaignToken], "", 20, 128); err != nil {
		return err
	}
	return checkPlatformURL(raw, activeCampaignHost, true)
}
