package magento

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shipflow/shipflow/egress"
	"github.com/shipflow/shipflow/order"
)

// Resources polled, as the REST API names them under /rest/V1/.
const (
	ResourceOrders    = "orders"
	ResourceShipments = "shipments"
)

// Response bodies are read up to these sizes. A page of orders with their lines and
// addresses is tens of kilobytes per order; a bigger answer is refused as malformed rather
// than held in memory, and the poller reads its entities one by one instead.
const (
	MaxPage      = 8 << 20
	maxErrorBody = 64 << 10
)

// DefaultTimeout bounds one call to the store: a page of orders is a database query and its
// joins on the merchant's server, seconds at worst.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the store: its base URL (MAGENTO_URL, the storefront's address, under
// which /rest/V1 answers) and the integration's access token (MAGENTO_ACCESS_TOKEN).
type Config struct {
	URL   string
	Token string
}

// Client reads orders and shipments from Magento's REST API with an integration's access
// token as a bearer token (Magento 2.4.4 and later accept it only when "Allow OAuth Access
// Tokens to be used as standalone Bearer tokens" is on: docs/connectors.md).
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// New returns a Client; hc nil means a client with DefaultTimeout.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{base: strings.TrimRight(strings.TrimSpace(cfg.URL), "/"), token: cfg.Token, hc: hc}
}

// Page is one page of a list: its entities undecoded, so that one broken entity costs only
// itself, and the count of all entities matching the search.
type Page struct {
	Items      []json.RawMessage `json:"items"`
	TotalCount int               `json:"total_count"`
}

// Errors a poll can tell apart.
var (
	// ErrMalformed: the answer is not a page (not JSON, not the list's shape, or over MaxPage).
	ErrMalformed = errors.New("malformed answer")
	// ErrUnauthorized: Magento refused the token (401) or the integration lacks the resource
	// (403): a configuration problem no retry fixes.
	ErrUnauthorized = errors.New("access token refused")
)

// APIError is an error answer of the REST API: the HTTP status and Magento's message with its
// %placeholders filled in. It never holds the request, so it cannot leak the token.
type APIError struct {
	Status  int
	Message string
	// RetryAfter is what a 429 or 503 asked to wait (a CDN or Adobe Commerce Cloud in front of
	// the store); zero when it said nothing.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("magento: HTTP %d", e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrUnauthorized) hold for 401 and 403.
func (e *APIError) Is(target error) bool {
	return target == ErrUnauthorized && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
}

// After lists a resource's entities that come after the cursor in the poll's order (updated_at,
// then entity_id), oldest first. Magento's filter groups are ANDed and the filters of a group
// ORed, so "after (t, id)" is written as updated_at >= t AND (updated_at > t OR entity_id >
// id): a keyset read, which neither skips nor repeats an entity when others change between
// pages, as an offset (currentPage) would.
func (c *Client) After(ctx context.Context, resource string, cursor Key, size int) (Page, error) {
	return c.list(ctx, resource, afterQuery(cursor, size), "")
}

// KeysAfter is After asking only for each entity's key (Magento's fields parameter): how the
// poller learns where a page it cannot read lies, to read its entities one at a time.
func (c *Client) KeysAfter(ctx context.Context, resource string, cursor Key, size int) (Page, error) {
	return c.list(ctx, resource, afterQuery(cursor, size), "items[entity_id,updated_at,created_at],total_count")
}

// One lists the entity with this entity_id alone.
func (c *Client) One(ctx context.Context, resource string, id int64) (Page, error) {
	q := Criteria{Size: 1}.Where(Filter{Field: "entity_id", Value: strconv.FormatInt(id, 10), Condition: "eq"})
	return c.list(ctx, resource, q, "")
}

// OrderNumbers looks up the increment_id of orders by entity_id, one request for a page of
// shipments.
func (c *Client) OrderNumbers(ctx context.Context, ids []int64) (map[int64]string, error) {
	if len(ids) == 0 {
		return map[int64]string{}, nil
	}
	vals := make([]string, len(ids))
	for i, id := range ids {
		vals[i] = strconv.FormatInt(id, 10)
	}
	q := Criteria{Size: len(ids)}.Where(Filter{Field: "entity_id", Value: strings.Join(vals, ","), Condition: "in"})
	p, err := c.list(ctx, ResourceOrders, q, "items[entity_id,increment_id],total_count")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(p.Items))
	for _, raw := range p.Items {
		var o mageOrder
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		id, err := entityID("entity_id", o.EntityID)
		if err == nil && o.IncrementID != "" {
			out[id] = string(o.IncrementID)
		}
	}
	return out, nil
}

// maxShipmentsPerOrder bounds the shipments read for one delivered order.
const maxShipmentsPerOrder = 50

// OrderShipments lists an order's shipments.
func (c *Client) OrderShipments(ctx context.Context, orderID int64) ([]json.RawMessage, error) {
	q := Criteria{Size: maxShipmentsPerOrder}.Where(Filter{Field: "order_id", Value: strconv.FormatInt(orderID, 10), Condition: "eq"})
	p, err := c.list(ctx, ResourceShipments, q, "")
	return p.Items, err
}

func afterQuery(cursor Key, size int) Criteria {
	t, id := FormatTime(cursor.UpdatedAt), strconv.FormatInt(cursor.ID, 10)
	return Criteria{
		Groups: [][]Filter{
			{{Field: "updated_at", Value: t, Condition: "gteq"}},
			{{Field: "updated_at", Value: t, Condition: "gt"}, {Field: "entity_id", Value: id, Condition: "gt"}},
		},
		Sort: []Sort{{Field: "updated_at", Direction: "ASC"}, {Field: "entity_id", Direction: "ASC"}},
		Size: size,
	}
}

// list GETs /rest/V1/<resource> with the criteria, and fields when not empty.
func (c *Client) list(ctx context.Context, resource string, q Criteria, fields string) (Page, error) {
	v := q.Values()
	if fields != "" {
		v.Set("fields", fields)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/rest/V1/"+resource+"?"+v.Encode(), nil)
	if err != nil {
		return Page{}, fmt.Errorf("magento %s: %w", resource, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "shipflow")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Page{}, fmt.Errorf("magento %s: %w", resource, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := &APIError{Status: resp.StatusCode, Message: clip(errorMessage(body))}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter, _ = egress.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return Page{}, fmt.Errorf("magento %s: %w", resource, e)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPage+1))
	if err != nil {
		return Page{}, fmt.Errorf("magento %s: reading answer: %w", resource, err)
	}
	p, err := ParsePage(body)
	if err != nil {
		return Page{}, fmt.Errorf("magento %s: %w", resource, err)
	}
	return p, nil
}

// ParsePage reads a list answer ({"items": [...], "search_criteria": {...}, "total_count": N}).
// Every error wraps ErrMalformed. Magento answers "items": null for an empty page of some
// resources; that is an empty page.
func ParsePage(body []byte) (Page, error) {
	if len(body) > MaxPage {
		return Page{}, fmt.Errorf("%w: over %d bytes", ErrMalformed, MaxPage)
	}
	var p Page
	if err := json.Unmarshal(body, &p); err != nil {
		return Page{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for i, raw := range p.Items {
		if s := strings.TrimSpace(string(raw)); s == "" || s[0] != '{' {
			return Page{}, fmt.Errorf("%w: items[%d] is not an object", ErrMalformed, i)
		}
	}
	if p.TotalCount < 0 {
		return Page{}, fmt.Errorf("%w: total_count %d", ErrMalformed, p.TotalCount)
	}
	return p, nil
}

// errorMessage reads Magento's error body ({"message": "... %resources.", "parameters":
// {"resources": "Magento_Sales::actions_view"}}, parameters also a list for %1, %2) into its
// message with the parameters put in.
func errorMessage(body []byte) string {
	var e struct {
		Message    string          `json:"message"`
		Parameters json.RawMessage `json:"parameters"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Message
	var named map[string]any
	if json.Unmarshal(e.Parameters, &named) == nil {
		for k, v := range named {
			msg = strings.ReplaceAll(msg, "%"+k, fmt.Sprint(v))
		}
	}
	var listed []any
	if json.Unmarshal(e.Parameters, &listed) == nil {
		for i, v := range listed {
			msg = strings.ReplaceAll(msg, "%"+strconv.Itoa(i+1), fmt.Sprint(v))
		}
	}
	return msg
}

// clip keeps a remote's text short enough for a log line, on a rune boundary.
func clip(s string) string {
	const max = 200
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	return order.Clip(s, max) + "…"
}

// Filter is one condition of a search: field, value and condition_type (eq, gt, gteq, in...).
type Filter struct {
	Field, Value, Condition string
}

// Sort is one sort order: a field and ASC or DESC.
type Sort struct {
	Field, Direction string
}

// Criteria is a searchCriteria: filter groups (ANDed) of filters (ORed), sort orders, and
// one page of Size entities.
type Criteria struct {
	Groups [][]Filter
	Sort   []Sort
	Size   int
	Page   int // 1 when zero
}

// Where adds a filter group of one filter.
func (q Criteria) Where(f Filter) Criteria {
	q.Groups = append(q.Groups, []Filter{f})
	return q
}

// Values writes q as Magento reads it from a query string: searchCriteria[filter_groups][0]
// [filters][0][field]=updated_at and so on.
func (q Criteria) Values() url.Values {
	v := url.Values{}
	for g, fs := range q.Groups {
		for i, f := range fs {
			p := fmt.Sprintf("searchCriteria[filter_groups][%d][filters][%d]", g, i)
			v.Set(p+"[field]", f.Field)
			v.Set(p+"[value]", f.Value)
			v.Set(p+"[condition_type]", f.Condition)
		}
	}
	for i, s := range q.Sort {
		p := fmt.Sprintf("searchCriteria[sortOrders][%d]", i)
		v.Set(p+"[field]", s.Field)
		v.Set(p+"[direction]", s.Direction)
	}
	page := q.Page
	if page <= 0 {
		page = 1
	}
	v.Set("searchCriteria[pageSize]", strconv.Itoa(q.Size))
	v.Set("searchCriteria[currentPage]", strconv.Itoa(page))
	return v
}
