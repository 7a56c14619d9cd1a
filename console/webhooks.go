package console

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/outbound"
)

// The webhooks pages: every destination (webhooks, staff feeds, platform connectors) with how
// its recent deliveries went; creating, editing, disabling and deleting one; rotating a
// webhook's secret, shown once; test events; and an endpoint's deliveries with each attempt,
// retried one at a time or recovered since a time. Every change goes through outbound.API's
// operations, the JSON API's own, so both refuse the same input with the same words.

const (
	// deliveriesPerPage is one page of an endpoint's deliveries.
	deliveriesPerPage = 25
	// outcomeSample is how many of an endpoint's latest deliveries its success rate counts.
	outcomeSample = 200
	// newHeaderRows are the empty header rows of an endpoint form: enough for the usual one or
	// two (an Authorization, a routing key); more are added by saving and editing again.
	newHeaderRows = 3
	// sinceLayout is what <input type=datetime-local> sends, read as UTC.
	sinceLayout = "2006-01-02T15:04"
	// recoverDefault is how far back the recover form starts.
	recoverDefault = 24 * time.Hour
	// maxFormValue bounds a form value kept to draw the form again after a refusal; the
	// operations refuse longer ones with their own words.
	maxFormValue = 4096
)

// Form fields of the endpoint form.
const (
	fieldKind         = "kind"
	fieldURL          = "url"
	fieldDescription  = "description"
	fieldType         = "type"
	fieldSavedHeader  = "saved_header"
	fieldSavedValue   = "saved_value"
	fieldRemoveHeader = "remove_header"
	fieldHeaderName   = "header_name"
	fieldHeaderValue  = "header_value"
	fieldCredential   = "credential_"
	fieldEventType    = "event_type"
	fieldSince        = "since"
	fieldStatus       = "status"
	fieldCursor       = "cursor"
)

// What an action did, as ?done= says it to the page it redirects to.
const (
	doneCreated       = "created"
	doneSaved         = "saved"
	doneEnabled       = "enabled"
	doneDisabled      = "disabled"
	doneDeleted       = "deleted"
	doneTestDelivered = "test-delivered"
	doneTestFailed    = "test-failed"
	doneRetried       = "retried"
	doneRecovered     = "recovered"
)

// What ?done= says after an action; anything else says nothing.
var webhookNotices = map[string]string{
	doneCreated:       "The destination is created.",
	doneSaved:         "Saved.",
	doneEnabled:       "Enabled: deliveries go out again.",
	doneDisabled:      "Disabled: no event is delivered to it until it is enabled again.",
	doneDeleted:       "Deleted, with its deliveries.",
	doneTestDelivered: "The test event was delivered.",
	doneTestFailed:    "The test event was not delivered: its attempt is at the top of the deliveries.",
	doneRetried:       "The retry has started: its attempt shows here in a moment.",
	doneRecovered:     "Recovery started.",
}

// kindLabels are the kinds as people know them.
var kindLabels = map[outbound.Kind]string{
	outbound.KindWebhook:        "Webhook",
	outbound.KindSlack:          "Slack feed",
	outbound.KindTeams:          "Microsoft Teams feed",
	outbound.KindGoogleChat:     "Google Chat feed",
	outbound.KindKlaviyo:        "Klaviyo",
	outbound.KindHubSpot:        "HubSpot",
	outbound.KindSalesforce:     "Salesforce",
	outbound.KindActiveCampaign: "ActiveCampaign",
	outbound.KindZapier:         "Zapier",
	outbound.KindShopify:        "Shopify",
}

// kindNotes say what each kind does, on the form that creates one.
var kindNotes = map[outbound.Kind]string{
	outbound.KindWebhook:        "A signed HTTP POST (Standard Webhooks) to your own receiver.",
	outbound.KindSlack:          "Milestone digests posted to a Slack incoming webhook.",
	outbound.KindTeams:          "Milestone digests posted to a Microsoft Teams Workflows webhook.",
	outbound.KindGoogleChat:     "Milestone digests posted to a Google Chat space webhook.",
	outbound.KindKlaviyo:        "Events of a metric, for flows (Klaviyo's Events API).",
	outbound.KindHubSpot:        "The contact's shipping properties (HubSpot's CRM API).",
	outbound.KindSalesforce:     "A Platform Event (Salesforce's REST API).",
	outbound.KindActiveCampaign: "The contact's tags and fields.",
	outbound.KindZapier:         "A Zapier REST Hook subscription.",
	outbound.KindShopify:        "Fulfillment events written back to the shop.",
}

func kindLabel(k outbound.Kind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return string(k)
}

func (con *Console) routeWebhooks(g *echo.Group) {
	if con.Webhooks == nil {
		return
	}
	m := need(access.ScopeWebhooks)
	g.GET("/webhooks", con.webhooks, m)
	g.GET("/webhooks/new", con.newEndpoint, m)
	g.POST("/webhooks/new", con.createEndpoint, m)
	g.GET("/webhooks/:id", con.endpoint, m)
	g.GET("/webhooks/:id/edit", con.editEndpoint, m)
	g.POST("/webhooks/:id/edit", con.updateEndpoint, m)
	g.POST("/webhooks/:id/enable", con.enableEndpoint(true), m)
	g.POST("/webhooks/:id/disable", con.enableEndpoint(false), m)
	g.GET("/webhooks/:id/delete", con.confirmDelete, m)
	g.POST("/webhooks/:id/delete", con.deleteEndpoint, m)
	g.POST("/webhooks/:id/rotate", con.rotateSecret, m)
	g.POST("/webhooks/:id/test", con.testEndpoint, m)
	g.POST("/webhooks/:id/recover", con.recoverEndpoint, m)
	g.POST("/webhooks/:id/deliveries/:delivery/retry", con.retryDelivery, m)
}

// endpointRow is one destination in the list.
type endpointRow struct {
	Endpoint outbound.Endpoint
	Kind     string
	Outcomes outbound.Outcomes
	// Rate is the success rate in whole percent; HasRate is false when no delivery finished.
	Rate    int
	HasRate bool
	Health  string // the rate's badge class
}

// webhooksView is what webhooks.html draws.
type webhooksView struct {
	Endpoints []endpointRow
	Sample    int
}

// webhooks lists every destination: kind, URL as it may be shown, description, event types,
// whether it is enabled, and the success rate of its latest deliveries.
func (con *Console) webhooks(c echo.Context) error {
	ctx := c.Request().Context()
	es, err := outbound.ListEndpoints(ctx, con.Webhooks.DB)
	if err != nil {
		return err
	}
	outcomes, err := outbound.RecentOutcomes(ctx, con.Webhooks.DB, outcomeSample)
	if err != nil {
		return err
	}
	v := webhooksView{Sample: outcomeSample}
	for _, e := range es {
		r := endpointRow{Endpoint: e, Kind: kindLabel(e.Kind), Outcomes: outcomes[e.ID]}
		if rate, ok := r.Outcomes.SuccessRate(); ok {
			r.Rate, r.HasRate = int(math.Floor(rate*100)), true
			r.Health = health(rate)
		}
		v.Endpoints = append(v.Endpoints, r)
	}
	return render(c, http.StatusOK, "webhooks", view{Title: "Webhooks", Nav: navWebhooks,
		Notice: webhookNotices[c.QueryParam("done")], Data: v})
}

// health is the badge class of a success rate.
func health(rate float64) string {
	switch {
	case rate >= 0.95:
		return "good"
	case rate >= 0.8:
		return "warn"
	}
	return "bad"
}

// endpointPath is an endpoint's page.
func endpointPath(id string) string { return prefix + "/webhooks/" + url.PathEscape(id) }

// loadEndpoint reads the endpoint the path names, or a page saying there is none.
func (con *Console) loadEndpoint(c echo.Context) (outbound.Endpoint, error) {
	id := c.Param("id")
	if !outbound.PlainID(id) {
		return outbound.Endpoint{}, problem(http.StatusNotFound, "There is no such webhook endpoint.")
	}
	e, err := outbound.GetEndpoint(c.Request().Context(), con.Webhooks.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return e, problem(http.StatusNotFound, "There is no such webhook endpoint: it may have been deleted.")
	}
	// Its pages show hints of its secrets (the secret's first characters, the headers'
	// masked values): opened here, where they are shown.
	return e.Shown(con.Webhooks.Secrets), err
}

// attemptView is one attempt as the endpoint page shows it.
type attemptView struct {
	outbound.AttemptRecord
	Latency int // milliseconds, rounded
	Good    bool
}

// deliveryView is one delivery with its attempts.
type deliveryView struct {
	outbound.Delivery
	Attempts []attemptView
}

// endpointView is what webhook.html draws.
type endpointView struct {
	Endpoint    outbound.Endpoint
	Kind        string
	Signs       bool
	Headers     []string // names; values are never shown
	Credentials []string // names; values are never shown
	Types       []outbound.EventType
	TestType    string
	Deliveries  []deliveryView
	Status      string
	Statuses    []outbound.DeliveryStatus
	NextPage    template.URL
	Since       string
	// Problem is why the action just asked for was refused.
	Problem string
}

// endpoint is an endpoint's page: what it is, what can be done to it, and its deliveries,
// newest first, each with its attempts.
func (con *Console) endpoint(c echo.Context) error {
	return con.endpointPage(c, http.StatusOK, "")
}

// endpointPage draws the endpoint's page with status; problem says why an action on it was
// refused, drawn above it.
func (con *Console) endpointPage(c echo.Context, status int, problemText string) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	st := outbound.DeliveryStatus(c.QueryParam(fieldStatus))
	statuses := []outbound.DeliveryStatus{outbound.DeliveryPending, outbound.DeliveryDelivered, outbound.DeliveryFailed}
	if st != "" && !slices.Contains(statuses, st) {
		return problem(http.StatusBadRequest, "Status: must be pending, delivered or failed.")
	}
	cursor := c.QueryParam(fieldCursor)
	if err := order.CheckText("Page", cursor, maxCursorLen); err != nil {
		return problem(http.StatusBadRequest, "%v", err)
	}
	page, err := outbound.ListDeliveries(c.Request().Context(), con.Webhooks.DB, e.ID,
		outbound.DeliveryParams{Status: st, Limit: deliveriesPerPage, Cursor: cursor, Attempts: true})
	if errors.Is(err, db.ErrBadCursor) {
		return problem(http.StatusBadRequest, "That page link is broken. Start from the endpoint's page again.")
	}
	if err != nil {
		return err
	}
	if err := audit.Append(c.Request().Context(), con.Webhooks.DB, audit.Entry{Action: audit.ActionReadDeliveries, Subject: e.ID,
		Detail: map[string]any{"status": string(st)}}); err != nil {
		return err
	}
	v := endpointView{
		Endpoint: e, Kind: kindLabel(e.Kind), Signs: e.Kind.Signs(), Types: outbound.Catalogue(),
		TestType: string(outbound.DefaultTestType), Status: string(st), Statuses: statuses,
		Since:   con.now().Add(-recoverDefault).UTC().Format(sinceLayout),
		Problem: problemText,
	}
	v.Headers = slices.Sorted(func(yield func(string) bool) {
		for n := range e.Headers {
			if !yield(n) {
				return
			}
		}
	})
	for n := range e.Credentials {
		v.Credentials = append(v.Credentials, n)
	}
	slices.Sort(v.Credentials)
	for _, d := range page.Deliveries {
		dv := deliveryView{Delivery: d}
		for _, a := range d.Log {
			dv.Attempts = append(dv.Attempts, attemptView{AttemptRecord: a, Latency: int(math.Round(a.LatencyMS)),
				Good: a.Outcome == outbound.Delivered.String()})
		}
		v.Deliveries = append(v.Deliveries, dv)
	}
	if page.Next != "" {
		q := url.Values{fieldCursor: {page.Next}}
		if st != "" {
			q.Set(fieldStatus, string(st))
		}
		v.NextPage = template.URL(endpointPath(e.ID) + "?" + q.Encode())
	}
	notice := webhookNotices[c.QueryParam("done")]
	if c.QueryParam("done") == doneRecovered {
		if n, err := strconv.Atoi(c.QueryParam("n")); err == nil && n >= 0 {
			notice = fmt.Sprintf("Recovery started: %d failed deliveries are being retried.", n)
			if n == 1 {
				notice = "Recovery started: 1 failed delivery is being retried."
			}
		}
	}
	return render(c, status, "webhook", view{Title: v.Kind + " " + e.ID, Nav: navWebhooks, Notice: notice, Data: v})
}

// endpointRefused draws an action's refusal on the endpoint's page: the operations' refusals are
// meant for people; anything else is ours, and drawn as the problem page.
func (con *Console) endpointRefused(c echo.Context, err error) error {
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status == http.StatusNotFound {
		return err
	}
	// The page below is the endpoint's, whatever the action's filters were.
	c.Request().URL.RawQuery = ""
	return con.endpointPage(c, ae.Status, ae.Message)
}

// done redirects to the endpoint's page with a notice.
func done(c echo.Context, id, what string, extra ...string) error {
	q := url.Values{"done": {what}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return c.Redirect(http.StatusSeeOther, endpointPath(id)+"?"+q.Encode())
}

// typeChoice is one event type's checkbox.
type typeChoice struct {
	Name, Description string
	Checked           bool
}

// savedHeader is a header the endpoint has: its name, its value masked, and what the form
// sends back for it.
type savedHeader struct {
	Name, Masked string
	Remove       bool
}

// newHeader is a header row the person filled in.
type newHeader struct{ Name, Value string }

// credentialField is one of a connector's credentials.
type credentialField struct {
	Name     string
	Required bool
	Saved    bool
}

// endpointForm is what webhook_form.html draws: the kinds to choose from, or the form of one.
type endpointForm struct {
	Kinds []kindChoice
	// ID is the endpoint edited; "" when creating one.
	ID          string
	Kind        outbound.Kind
	KindLabel   string
	URL         string
	SecretURL   bool   // the URL is a secret: never drawn, and blank keeps it
	DefaultURL  string // a connector's platform API, used when no URL is given
	Description string
	Types       []typeChoice
	Headers     bool // the kind sends headers of its own
	Saved       []savedHeader
	New         []newHeader
	Credentials []credentialField
	Problem     string
}

// kindChoice is one kind on the chooser.
type kindChoice struct {
	Kind         outbound.Kind
	Label, About string
}

// newEndpoint shows the kinds to choose from, or, with ?kind=, the form that creates one.
func (con *Console) newEndpoint(c echo.Context) error {
	k := c.QueryParam(fieldKind)
	if k == "" {
		f := endpointForm{}
		for _, k := range outbound.KnownKinds() {
			f.Kinds = append(f.Kinds, kindChoice{Kind: k, Label: kindLabel(k), About: kindNotes[k]})
		}
		return render(c, http.StatusOK, "webhook_form", view{Title: "New destination", Nav: navWebhooks, Data: f})
	}
	kind, err := knownKind(k)
	if err != nil {
		return err
	}
	f := newForm(kind, outbound.Endpoint{Kind: kind})
	return render(c, http.StatusOK, "webhook_form", view{Title: "New " + f.KindLabel, Nav: navWebhooks, Data: f})
}

func knownKind(k string) (outbound.Kind, error) {
	kind := outbound.Kind(k)
	if !slices.Contains(outbound.KnownKinds(), kind) {
		return "", problem(http.StatusBadRequest, "Kind: not a kind of destination. Choose one from the list.")
	}
	return kind, nil
}

// newForm is the form for an endpoint of kind k as e has it (the zero Endpoint when new).
func newForm(k outbound.Kind, e outbound.Endpoint) endpointForm {
	f := endpointForm{
		ID: e.ID, Kind: k, KindLabel: kindLabel(k), SecretURL: k.SecretURL(), DefaultURL: k.DefaultURL(),
		Description: e.Description, Headers: k == outbound.KindWebhook,
	}
	if !f.SecretURL {
		f.URL = e.URL
	}
	for _, t := range outbound.Catalogue() {
		f.Types = append(f.Types, typeChoice{Name: t.Name, Description: t.Description, Checked: slices.Contains(e.EventTypes, t.Name)})
	}
	masked := e.Headers.Masked()
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range masked {
			if !yield(n) {
				return
			}
		}
	}) {
		f.Saved = append(f.Saved, savedHeader{Name: n, Masked: masked[n]})
	}
	f.New = make([]newHeader, newHeaderRows)
	required, optional := k.CredentialNames()
	for _, n := range required {
		_, saved := e.Credentials[n]
		f.Credentials = append(f.Credentials, credentialField{Name: n, Required: true, Saved: saved})
	}
	for _, n := range optional {
		_, saved := e.Credentials[n]
		f.Credentials = append(f.Credentials, credentialField{Name: n, Saved: saved})
	}
	return f
}

// readForm reads the endpoint form into the operations' input, and redraws f with what the
// person typed (but the credentials, never drawn back), in case it is refused. cur is the
// endpoint edited (the zero Endpoint when creating).
func readForm(c echo.Context, f *endpointForm, cur outbound.Endpoint) (outbound.EndpointInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return outbound.EndpointInput{}, problem(http.StatusBadRequest, "The form could not be read.")
	}
	var in outbound.EndpointInput
	u, desc := form.Get(fieldURL), form.Get(fieldDescription)
	switch {
	case cur.ID == "":
		in.URL = &u
	case u == "" && f.SecretURL: // blank keeps a secret URL
	case u != cur.URL:
		in.URL = &u
	}
	in.Description = &desc
	types := form[fieldType]
	if types == nil {
		types = []string{}
	}
	in.EventTypes = &types
	if !f.SecretURL {
		f.URL = keep(u)
	}
	f.Description = keep(desc)
	for i := range f.Types {
		f.Types[i].Checked = slices.Contains(types, f.Types[i].Name)
	}

	if f.Headers {
		patch := map[string]*string{}
		saved, values, removed := form[fieldSavedHeader], form[fieldSavedValue], form[fieldRemoveHeader]
		for i, name := range saved {
			switch {
			case slices.Contains(removed, name):
				patch[name] = nil
			case i < len(values) && values[i] != "":
				v := values[i]
				patch[name] = &v
			}
		}
		for i := range f.Saved {
			f.Saved[i].Remove = slices.Contains(removed, f.Saved[i].Name)
		}
		names, vals := form[fieldHeaderName], form[fieldHeaderValue]
		f.New = f.New[:0]
		for i, name := range names {
			v := ""
			if i < len(vals) {
				v = vals[i]
			}
			if strings.TrimSpace(name) == "" && v == "" {
				continue
			}
			patch[name] = &v
			f.New = append(f.New, newHeader{Name: keep(name), Value: keep(v)})
		}
		for len(f.New) < newHeaderRows {
			f.New = append(f.New, newHeader{})
		}
		if len(patch) > 0 {
			in.Headers = patch
		}
	}

	creds := map[string]string{}
	for _, cf := range f.Credentials {
		if v := form.Get(fieldCredential + cf.Name); v != "" {
			creds[cf.Name] = v
		}
	}
	// A connector's credentials are replaced whole: none typed keeps those saved.
	if len(creds) > 0 || (cur.ID == "" && len(f.Credentials) > 0) {
		in.Credentials = creds
	}
	return in, nil
}

// keep is a form value to draw back, cut to a length a page can carry.
func keep(s string) string {
	if len(s) > maxFormValue {
		return s[:maxFormValue]
	}
	return s
}

// formRefused draws the form again with why it was refused, or returns err when it is not a
// refusal meant for people.
func formRefused(c echo.Context, f endpointForm, title string, err error) error {
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status == http.StatusNotFound {
		return err
	}
	f.Problem = ae.Message
	return render(c, ae.Status, "webhook_form", view{Title: title, Nav: navWebhooks, Data: f})
}

// createEndpoint creates a destination from the form. A webhook's secret is shown on the page
// that answers, once: it is never drawn again.
func (con *Console) createEndpoint(c echo.Context) error {
	kind, err := knownKind(c.FormValue(fieldKind))
	if err != nil {
		return err
	}
	f := newForm(kind, outbound.Endpoint{Kind: kind})
	in, err := readForm(c, &f, outbound.Endpoint{})
	if err != nil {
		return err
	}
	k := string(kind)
	in.Kind = &k
	e, err := con.Webhooks.Create(c.Request().Context(), in)
	if err != nil {
		return formRefused(c, f, "New "+f.KindLabel, err)
	}
	con.Logger.Info("console created webhook endpoint", "actor", current(c).Actor, "endpoint", e.ID, "kind", e.Kind)
	if !kind.Signs() {
		return done(c, e.ID, doneCreated)
	}
	return con.secretPage(c, e, false)
}

// secretView is what webhook_secret.html draws.
type secretView struct {
	Endpoint outbound.Endpoint
	Kind     string
	Rotated  bool
}

// secretPage shows a webhook's new secret, once: the page is the answer to the form that made
// it, is not cached, and no other page draws the secret whole.
func (con *Console) secretPage(c echo.Context, e outbound.Endpoint, rotated bool) error {
	status, title := http.StatusCreated, "Destination created"
	if rotated {
		status, title = http.StatusOK, "Secret rotated"
	}
	return render(c, status, "webhook_secret", view{Title: title, Nav: navWebhooks,
		Data: secretView{Endpoint: e, Kind: kindLabel(e.Kind), Rotated: rotated}})
}

// editEndpoint shows the form that changes an endpoint.
func (con *Console) editEndpoint(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	f := newForm(e.Kind, e)
	return render(c, http.StatusOK, "webhook_form", view{Title: "Edit " + f.KindLabel, Nav: navWebhooks, Data: f})
}

// updateEndpoint saves the edit form.
func (con *Console) updateEndpoint(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	f := newForm(e.Kind, e)
	in, err := readForm(c, &f, e)
	if err != nil {
		return err
	}
	if _, err := con.Webhooks.Update(c.Request().Context(), e.ID, in); err != nil {
		return formRefused(c, f, "Edit "+f.KindLabel, err)
	}
	con.Logger.Info("console changed webhook endpoint", "actor", current(c).Actor, "endpoint", e.ID)
	return done(c, e.ID, doneSaved)
}

// enableEndpoint turns deliveries to an endpoint on or off.
func (con *Console) enableEndpoint(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		e, err := con.loadEndpoint(c)
		if err != nil {
			return err
		}
		if _, err := con.Webhooks.Update(c.Request().Context(), e.ID, outbound.EndpointInput{Enabled: &on}); err != nil {
			return con.endpointRefused(c, err)
		}
		con.Logger.Info("console switched webhook endpoint", "actor", current(c).Actor, "endpoint", e.ID, "enabled", on)
		if on {
			return done(c, e.ID, doneEnabled)
		}
		return done(c, e.ID, doneDisabled)
	}
}

// confirmDelete asks before an endpoint is deleted.
func (con *Console) confirmDelete(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, "webhook_delete", view{Title: "Delete " + e.ID, Nav: navWebhooks,
		Data: endpointRow{Endpoint: e, Kind: kindLabel(e.Kind)}})
}

// deleteEndpoint deletes an endpoint with its deliveries, once confirmed.
func (con *Console) deleteEndpoint(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	if err := con.Webhooks.Delete(c.Request().Context(), e.ID); err != nil {
		return err
	}
	con.Logger.Info("console deleted webhook endpoint", "actor", current(c).Actor, "endpoint", e.ID)
	return c.Redirect(http.StatusSeeOther, prefix+"/webhooks?done="+doneDeleted)
}

// rotateSecret gives a webhook a new secret and shows it, once; the old one signs for a day
// more.
func (con *Console) rotateSecret(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	if !e.Kind.Signs() {
		return con.endpointRefused(c, apierr.Errorf(http.StatusConflict, apierr.Conflict, "A %s signs nothing: it has no secret to rotate.", kindLabel(e.Kind)))
	}
	e, err = con.Webhooks.Rotate(c.Request().Context(), e.ID)
	if err != nil {
		return con.endpointRefused(c, err)
	}
	con.Logger.Info("console rotated webhook secret", "actor", current(c).Actor, "endpoint", e.ID)
	return con.secretPage(c, e, true)
}

// testEndpoint sends a test event of the chosen type now and comes back to the endpoint's
// page, where the delivery shows with its attempt.
func (con *Console) testEndpoint(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	t := c.FormValue(fieldEventType)
	d, err := con.Webhooks.SendTest(c.Request().Context(), e.ID, &t)
	var limit *outbound.TestLimitError
	if errors.As(err, &limit) {
		return con.endpointRefused(c, apierr.Errorf(http.StatusTooManyRequests, apierr.RateLimited, "Not sent: %v.", limit))
	}
	if err != nil {
		return con.endpointRefused(c, err)
	}
	if d.Status == outbound.DeliveryDelivered {
		return done(c, e.ID, doneTestDelivered)
	}
	return done(c, e.ID, doneTestFailed)
}

// retryDelivery makes one more attempt at a delivery of the endpoint, now.
func (con *Console) retryDelivery(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	id := c.Param("delivery")
	if !outbound.PlainID(id) {
		return problem(http.StatusNotFound, "There is no such delivery.")
	}
	d, err := outbound.GetDelivery(c.Request().Context(), con.Webhooks.DB, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && d.EndpointID != e.ID) {
		return problem(http.StatusNotFound, "There is no such delivery of this endpoint.")
	}
	if err != nil {
		return err
	}
	if _, err := con.Webhooks.Retry(c.Request().Context(), id); err != nil {
		return con.endpointRefused(c, err)
	}
	con.Logger.Info("console retried webhook delivery", "actor", current(c).Actor, "endpoint", e.ID, "delivery", id)
	return done(c, e.ID, doneRetried)
}

// recoverEndpoint retries every failed delivery of the endpoint since a time, once each.
func (con *Console) recoverEndpoint(c echo.Context) error {
	e, err := con.loadEndpoint(c)
	if err != nil {
		return err
	}
	raw := c.FormValue(fieldSince)
	since, err := time.Parse(sinceLayout, raw)
	if err != nil {
		since, err = time.Parse(sinceLayout+":05", raw)
	}
	if err != nil {
		return con.endpointRefused(c, apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
			"Since: %.20q is not a time such as 2026-12-05T09:30 (UTC).", raw))
	}
	n, err := con.Webhooks.Recover(c.Request().Context(), e.ID, since)
	if err != nil {
		return con.endpointRefused(c, err)
	}
	con.Logger.Info("console recovered webhook deliveries", "actor", current(c).Actor, "endpoint", e.ID, "since", since, "started", n)
	return done(c, e.ID, doneRecovered, "n", strconv.Itoa(n))
}
