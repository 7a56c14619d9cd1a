// Package magentotest is a stand-in for Magento 2's REST API as shipflow's poller uses it:
// GET /rest/V1/orders and GET /rest/V1/shipments with a searchCriteria, behind an
// integration's bearer token. It checks requests as Magento does (the token, a searchCriteria
// that is present and well formed, known fields and condition types) and answers as Magento
// does: the list envelope {"items", "search_criteria", "total_count"}, the fields parameter,
// a currentPage past the end answered with the last page, and errors as {"message",
// "parameters"}. Tests put orders and shipments in it, can break an entity's JSON, and can
// make requests fail.
package magentotest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is the integration access token the stand-in accepts unless told another.
const Token = "magento-test-token"

// Resource ACL Magento names when a token may not read a list.
var resources = map[string]string{"orders": "Magento_Sales::actions_view", "shipments": "Magento_Sales::shipment"}

// fields each list can be filtered and sorted by, as the stand-in knows them.
var columns = map[string][]string{
	"orders":    {"entity_id", "increment_id", "updated_at", "created_at", "state", "status", "customer_email"},
	"shipments": {"entity_id", "increment_id", "updated_at", "created_at", "order_id"},
}

// conditions are Magento's condition_type values (Magento\Framework\Api\Filter).
var conditions = []string{"eq", "neq", "gt", "gteq", "lt", "lteq", "in", "nin", "like", "nlike", "null", "notnull", "finset", "nfinset", "from", "to", "moreq"}

// Server is the stand-in.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	token    string
	entities map[string]map[int64]map[string]any
	broken   map[string]map[int64]bool
	fail     []failure
	requests []string
}

type failure struct {
	status int
	body   string
	header http.Header
}

// New starts a stand-in; Close it when done.
func New() *Server {
	s := Start()
	return s
}

// Start starts a stand-in on a free local port (also for shipflow dev).
func Start() *Server {
	s := &Server{token: Token, entities: map[string]map[int64]map[string]any{"orders": {}, "shipments": {}},
		broken: map[string]map[int64]bool{"orders": {}, "shipments": {}}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetToken changes the token accepted (a merchant who reauthorized the integration).
func (s *Server) SetToken(t string) { s.mu.Lock(); s.token = t; s.mu.Unlock() }

// Put stores an order ("orders") or shipment ("shipments"), replacing one of the same
// entity_id. updated_at is set to at when at is not zero, as Magento sets it on every save.
func (s *Server) Put(resource string, entity map[string]any, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := toInt(entity["entity_id"])
	if !at.IsZero() {
		entity["updated_at"] = Time(at)
	}
	s.entities[resource][id] = entity
}

// Get returns a stored entity (the same map: a test edits it and Puts it again).
func (s *Server) Get(resource string, id int64) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entities[resource][id]
}

// Break makes the entity's JSON in every answer invalid, as a store whose data an extension
// corrupted would serve it.
func (s *Server) Break(resource string, id int64) {
	s.mu.Lock()
	s.broken[resource][id] = true
	s.mu.Unlock()
}

// FailNext makes the next n requests answer status with Magento's error body; a 429 or 503
// carries Retry-After: retryAfter when not empty.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	for range n {
		s.fail = append(s.fail, failure{status: status, header: h, body: `{"message":"Internal Error. Details are available in Magento log file. Report ID: %1","parameters":["webapi-6a1b"]}`})
	}
}

// Requests lists the query strings of the list requests answered so far, decoded.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Time writes t as Magento does: UTC, to the second, without a zone.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resource, ok := strings.CutPrefix(r.URL.Path, "/rest/V1/")
	if _, known := columns[resource]; !ok || !known || r.Method != http.MethodGet {
		answer(w, http.StatusNotFound, "Request does not match any route.", nil)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		answer(w, http.StatusUnauthorized, "The consumer isn't authorized to access %resources.", map[string]any{"resources": resources[resource]})
		return
	}
	if len(s.fail) > 0 {
		f := s.fail[0]
		s.fail = s.fail[1:]
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	s.requests = append(s.requests, r.URL.RawQuery)
	q, err := parseCriteria(r.URL.Query(), resource)
	if err != nil {
		answer(w, http.StatusBadRequest, err.msg, err.params)
		return
	}
	var matched []map[string]any
	for _, e := range s.entities[resource] {
		if q.matches(e) {
			matched = append(matched, e)
		}
	}
	slices.SortFunc(matched, q.compare)
	total := len(matched)
	page := q.page
	if last := max(1, (total+q.size-1)/q.size); q.size > 0 && page > last {
		page = last // Magento answers a page past the end with the last one
	}
	if q.size > 0 {
		lo := min((page-1)*q.size, total)
		matched = matched[lo:min(lo+q.size, total)]
	}
	items := make([]string, 0, len(matched))
	keep := projection(r.URL.Query().Get("fields"))
	for _, e := range matched {
		id := toInt(e["entity_id"])
		if s.broken[resource][id] && keep == nil {
			items = append(items, fmt.Sprintf(`{"entity_id":%d,"updated_at":"%v","items":[{"sku":`, id, e["updated_at"]))
			continue
		}
		b, _ := json.Marshal(keep.of(e))
		items = append(items, string(b))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"items":[%s],"search_criteria":%s,"total_count":%d}`, strings.Join(items, ","), q.echo, total)
}

// answer writes Magento's error body.
func answer(w http.ResponseWriter, status int, msg string, params any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	body := map[string]any{"message": msg}
	if params != nil {
		body["parameters"] = params
	}
	_ = json.NewEncoder(w).Encode(body)
}

type filter struct{ field, value, cond string }

type criteria struct {
	groups [][]filter
	sorts  []filter // field, direction in value
	size   int
	page   int
	echo   string
}

type criteriaError struct {
	msg    string
	params any
}

var paramRE = regexp.MustCompile(`^searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(field|value|condition_type)\]$|^searchCriteria\[sortOrders\]\[(\d+)\]\[(field|direction)\]$|^searchCriteria\[(pageSize|currentPage)\]$`)

// parseCriteria reads the searchCriteria as Magento's REST layer does, refusing what Magento
// refuses: no searchCriteria at all, a parameter it does not know, a field or condition that
// does not exist, a page size or number that is not a number.
func parseCriteria(v map[string][]string, resource string) (criteria, *criteriaError) {
	q := criteria{page: 1}
	groups := map[int]map[int]*filter{}
	sorts := map[int]*filter{}
	seen := false
	for k, vals := range v {
		if k == "fields" {
			continue
		}
		m := paramRE.FindStringSubmatch(k)
		if m == nil {
			if strings.HasPrefix(k, "searchCriteria") {
				return q, &criteriaError{msg: `Property "%1" does not have accessor method "%2" in class "%3".`, params: []string{k, "get", "Magento\\Framework\\Api\\SearchCriteriaInterface"}}
			}
			continue
		}
		seen = true
		val := vals[0]
		switch {
		case m[1] != "":
			g, _ := strconv.Atoi(m[1])
			f, _ := strconv.Atoi(m[2])
			if groups[g] == nil {
				groups[g] = map[int]*filter{}
			}
			if groups[g][f] == nil {
				groups[g][f] = &filter{cond: "eq"}
			}
			switch m[3] {
			case "field":
				groups[g][f].field = val
			case "value":
				groups[g][f].value = val
			default:
				groups[g][f].cond = val
			}
		case m[4] != "":
			i, _ := strconv.Atoi(m[4])
			if sorts[i] == nil {
				sorts[i] = &filter{value: "ASC"}
			}
			if m[5] == "field" {
				sorts[i].field = val
			} else {
				sorts[i].value = strings.ToUpper(val)
			}
		default:
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return q, &criteriaError{msg: `The "%1" value's type is invalid. The "%2" type was expected. Verify and try again.`, params: []string{val, "int"}}
			}
			if m[6] == "pageSize" {
				q.size = n
			} else {
				q.page = max(n, 1)
			}
		}
	}
	if !seen {
		return q, &criteriaError{msg: `"%fieldName" is required. Enter and try again.`, params: map[string]string{"fieldName": "searchCriteria"}}
	}
	for _, g := range sortedKeys(groups) {
		var fs []filter
		for _, i := range sortedKeys(groups[g]) {
			f := *groups[g][i]
			if !slices.Contains(columns[resource], f.field) {
				return q, &criteriaError{msg: `Invalid field "%1" in the search criteria.`, params: []string{f.field}}
			}
			if !slices.Contains(conditions, f.cond) {
				return q, &criteriaError{msg: `Invalid condition type "%1".`, params: []string{f.cond}}
			}
			fs = append(fs, f)
		}
		q.groups = append(q.groups, fs)
	}
	for _, i := range sortedKeys(sorts) {
		s := *sorts[i]
		if !slices.Contains(columns[resource], s.field) || (s.value != "ASC" && s.value != "DESC") {
			return q, &criteriaError{msg: `Invalid sort order "%1" "%2".`, params: []string{s.field, s.value}}
		}
		q.sorts = append(q.sorts, s)
	}
	echo, _ := json.Marshal(map[string]any{"filter_groups": len(q.groups), "page_size": q.size, "current_page": q.page})
	q.echo = string(echo)
	return q, nil
}

func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// matches: every group (AND) has a filter (OR) that holds.
func (q criteria) matches(e map[string]any) bool {
	for _, g := range q.groups {
		if !slices.ContainsFunc(g, func(f filter) bool { return f.holds(e[f.field]) }) {
			return false
		}
	}
	return true
}

func (f filter) holds(v any) bool {
	c := compare(v, f.value)
	switch f.cond {
	case "eq":
		return c == 0
	case "neq":
		return c != 0
	case "gt":
		return c > 0
	case "gteq", "moreq", "from":
		return c >= 0
	case "lt":
		return c < 0
	case "lteq", "to":
		return c <= 0
	case "in", "nin":
		in := slices.ContainsFunc(strings.Split(f.value, ","), func(s string) bool { return compare(v, strings.TrimSpace(s)) == 0 })
		return in == (f.cond == "in")
	case "null":
		return v == nil
	case "notnull":
		return v != nil
	}
	return false
}

func (q criteria) compare(a, b map[string]any) int {
	for _, s := range q.sorts {
		c := compare(a[s.field], fmt.Sprint(b[s.field]))
		if s.value == "DESC" {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(toInt(a["entity_id"]), toInt(b["entity_id"]))
}

// compare compares a stored value with a filter's text: as numbers when both read as
// numbers (ids), else as text (Magento's times compare as text in their fixed layout).
func compare(v any, s string) int {
	a := fmt.Sprint(v)
	if v == nil {
		a = ""
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(s, 64)
	if err1 == nil && err2 == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, s)
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}

// keep is the fields parameter's projection of items: nil keeps everything.
type keep []string

// projection reads "items[entity_id,updated_at],total_count" into the item fields it keeps.
func projection(fields string) keep {
	if fields == "" {
		return nil
	}
	i, j := strings.Index(fields, "items["), strings.Index(fields, "]")
	if i < 0 || j < i {
		return keep{}
	}
	return strings.Split(fields[i+len("items["):j], ",")
}

func (k keep) of(e map[string]any) map[string]any {
	if k == nil {
		return e
	}
	out := map[string]any{}
	for _, f := range k {
		if v, ok := e[strings.TrimSpace(f)]; ok {
			out[strings.TrimSpace(f)] = v
		}
	}
	return out
}
