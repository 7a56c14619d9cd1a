package console

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/voice"
)

// The windows the insight page offers, in days, and the one it opens with.
var insightWindows = []int{7, 30, 90}

const defaultWindow = 30

// Most carriers and endpoints a chart draws; the tables list them all.
const (
	chartCarriers  = 6
	chartEndpoints = 10
)

// Chart colours: the CSS's good and bad, and a palette people with the common colour-vision
// deficiencies tell apart (Okabe and Ito), each at least 3:1 against the white card.
const (
	colourGood    = "#067647"
	colourBad     = "#b42318"
	colourPending = "#1d4ed8"
	colourNeutral = "#6b7280"
)

var palette = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#7a5c00", "#56608a"}

func (con *Console) routeInsight(g *echo.Group) {
	g.GET("/insight", con.insight, need(access.ScopeReadOrders))
}

// insightView is what insight.html draws.
type insightView struct {
	Days    int
	Windows []int
	Since   time.Time

	Carriers   []carrierRow
	Weeks      []string // ISO weeks, "2026-W49", oldest first
	Exceptions []db.ExceptionStat
	Channels   []notify.ChannelStat
	Voice      []voiceRow
	Endpoints  []outbound.EndpointStat

	// The window's totals, for the figures at the top.
	All                 onTimeTotals
	Raised, Lookups     int
	Sent, Delivered     int // customer messages
	Settled, Subscribed int // subscriber deliveries over, and of those delivered

	// Charts are the Chart.js specs, by canvas, as console.js reads them.
	Charts map[string]chart
}

// carrierRow is one carrier's deliveries over the window, and week by week.
type carrierRow struct {
	Carrier string
	onTimeTotals
	// Weekly is the on-time rate of each of insightView.Weeks; nil for a week without a
	// delivery that had a date.
	Weekly []*float64
}

// onTimeTotals are deliveries counted against their dates.
type onTimeTotals struct {
	OnTime, Late, NoDate int
}

// Delivered counts the parcels.
func (t onTimeTotals) Delivered() int { return t.OnTime + t.Late + t.NoDate }

// Rate is the share delivered on time of those that had a date, in percent; nil without one.
func (t onTimeTotals) Rate() *float64 { return percent(t.OnTime, t.OnTime+t.Late) }

// voiceRow is the lookups of one outcome.
type voiceRow struct {
	Outcome voice.LookupOutcome
	N       int
}

// insight is the insight page: how deliveries, exceptions, messages, voice lookups and
// subscriber deliveries went over the last 7, 30 or 90 days. Each figure is one aggregate of
// the package that owns its table, reading only the window (see each one's doc); they run at
// once, each on a connection of its own, so the page waits for the slowest rather than for
// them all in turn.
func (con *Console) insight(c echo.Context) error {
	days := defaultWindow
	if s := c.QueryParam("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(insightWindows, n) {
			return problem(http.StatusBadRequest, "Window: choose the last 7, 30 or 90 days.")
		}
		days = n
	}
	since := con.now().UTC().Add(-time.Duration(days) * 24 * time.Hour)
	v := insightView{Days: days, Windows: insightWindows, Since: since}
	var (
		weeks   []db.OnTimeWeek
		lookups map[voice.LookupOutcome]int
	)
	ctx := c.Request().Context()
	var errs [5]error
	var wg sync.WaitGroup
	wg.Go(func() { weeks, errs[0] = db.OnTimeByWeek(ctx, con.DB, since) })
	wg.Go(func() { v.Exceptions, errs[1] = db.ExceptionStats(ctx, con.DB, since) })
	wg.Go(func() { v.Channels, errs[2] = notify.NewLog(con.DB).ChannelStats(ctx, since) })
	wg.Go(func() { lookups, errs[3] = voice.NewStore(con.DB).LookupCounts(ctx, since) })
	wg.Go(func() { v.Endpoints, errs[4] = outbound.EndpointStats(ctx, con.DB, since) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return fmt.Errorf("insight over %d days: %w", days, err)
	}
	v.onTime(weeks)
	for _, x := range v.Exceptions {
		v.Raised += x.Raised
	}
	for _, ch := range v.Channels {
		v.Sent += ch.Sent()
		v.Delivered += ch.Delivered
	}
	for _, s := range v.Endpoints {
		v.Settled += s.Settled()
		v.Subscribed += s.Delivered
	}
	for _, o := range voice.LookupOutcomes {
		v.Voice = append(v.Voice, voiceRow{Outcome: o, N: lookups[o]})
		v.Lookups += lookups[o]
	}
	v.Charts = v.charts()
	return render(c, http.StatusOK, "insight", view{Title: "Insight", Nav: navInsight, Charts: true, Data: v})
}

// onTime turns the weekly counts into one row per carrier, busiest first, with its rate in
// each week of the window.
func (v *insightView) onTime(weeks []db.OnTimeWeek) {
	col := map[string]int{}
	for _, w := range weeks {
		label := isoWeek(w.Week)
		if _, ok := col[label]; !ok {
			col[label] = len(v.Weeks)
			v.Weeks = append(v.Weeks, label)
		}
	}
	rows := map[string]*carrierRow{}
	for _, w := range weeks {
		r := rows[w.Carrier]
		if r == nil {
			r = &carrierRow{Carrier: w.Carrier, Weekly: make([]*float64, len(v.Weeks))}
			rows[w.Carrier] = r
		}
		r.OnTime, r.Late, r.NoDate = r.OnTime+w.OnTime, r.Late+w.Late, r.NoDate+w.NoDate
		r.Weekly[col[isoWeek(w.Week)]] = percent(w.OnTime, w.OnTime+w.Late)
		v.All.OnTime, v.All.Late, v.All.NoDate = v.All.OnTime+w.OnTime, v.All.Late+w.Late, v.All.NoDate+w.NoDate
	}
	for _, r := range rows {
		v.Carriers = append(v.Carriers, *r)
	}
	slices.SortFunc(v.Carriers, func(a, b carrierRow) int {
		return cmp.Or(cmp.Compare(b.Delivered(), a.Delivered()), cmp.Compare(a.Carrier, b.Carrier))
	})
}

// isoWeek names t's ISO week, as 2026-W49.
func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// percent is n of total in percent, to one decimal; nil when total is zero.
func percent(n, total int) *float64 {
	if total == 0 {
		return nil
	}
	p := float64(int(float64(n)*1000/float64(total)+0.5)) / 10
	return &p
}

// chart is a Chart.js configuration as console.js takes it from a JSON block.
type chart struct {
	Type    string         `json:"type"`
	Data    chartData      `json:"data"`
	Options map[string]any `json:"options,omitempty"`
}

type chartData struct {
	Labels   []string       `json:"labels"`
	Datasets []chartDataset `json:"datasets"`
}

type chartDataset struct {
	Label           string `json:"label"`
	Data            any    `json:"data"`
	BackgroundColor string `json:"backgroundColor,omitempty"`
	BorderColor     string `json:"borderColor,omitempty"`
	Stack           string `json:"stack,omitempty"`
	SpanGaps        bool   `json:"spanGaps,omitempty"`
}

// axis is a Chart.js axis with a title; max 0 leaves it open.
func axis(title string, stacked bool, max float64) map[string]any {
	a := map[string]any{"beginAtZero": true, "stacked": stacked, "title": map[string]any{"display": title != "", "text": title}}
	if max > 0 {
		a["max"] = max
	}
	return a
}

func (v *insightView) charts() map[string]chart {
	out := map[string]chart{}

	// Over weeks, a line per carrier; carriers' rates sit close together near the top, so the
	// axis starts near the lowest, as its labels say, and the differences show. A window of a
	// week or two has too few points for lines: bars, from zero.
	rate := axis("On time, %", false, 100)
	onTime := chart{Type: "bar", Data: chartData{Labels: v.Weeks}, Options: map[string]any{"scales": map[string]any{"y": rate}}}
	if len(v.Weeks) > 2 {
		onTime.Type, rate["beginAtZero"] = "line", false
	}
	for i, r := range v.Carriers[:min(len(v.Carriers), chartCarriers)] {
		c := palette[i%len(palette)]
		onTime.Data.Datasets = append(onTime.Data.Datasets, chartDataset{Label: r.Carrier, Data: r.Weekly, BorderColor: c, BackgroundColor: c, SpanGaps: true})
	}
	out["chart-ontime"] = onTime

	exc := chart{Type: "bar", Options: map[string]any{"scales": map[string]any{"x": axis("", true, 0), "y": axis("Exceptions", true, 0)}}}
	ttr := chart{Type: "bar", Options: map[string]any{"scales": map[string]any{"y": axis("Hours to resolve", false, 0)}}}
	var resolved, open []int
	var median, p90 []float64
	for _, x := range v.Exceptions {
		exc.Data.Labels = append(exc.Data.Labels, words(string(x.Reason)))
		resolved, open = append(resolved, x.Resolved), append(open, x.Open())
		median, p90 = append(median, hours(x.Median)), append(p90, hours(x.P90))
	}
	ttr.Data.Labels = exc.Data.Labels
	exc.Data.Datasets = []chartDataset{
		{Label: "Resolved", Data: resolved, BackgroundColor: colourGood},
		{Label: "Still open", Data: open, BackgroundColor: colourBad},
	}
	ttr.Data.Datasets = []chartDataset{
		{Label: "Median", Data: median, BackgroundColor: palette[0]},
		{Label: "90th percentile", Data: p90, BackgroundColor: palette[1]},
	}
	out["chart-exceptions"], out["chart-resolve"] = exc, ttr

	msg := chart{Type: "bar", Options: map[string]any{"indexAxis": "y",
		"scales": map[string]any{"x": axis("Messages", true, 0), "y": axis("", true, 0)}}}
	var delivered, awaiting, failed, suppressed []int
	for _, ch := range v.Channels {
		msg.Data.Labels = append(msg.Data.Labels, ch.Channel)
		delivered, awaiting = append(delivered, ch.Delivered), append(awaiting, ch.Awaiting)
		failed, suppressed = append(failed, ch.NotDelivered()), append(suppressed, ch.Suppressed)
	}
	msg.Data.Datasets = []chartDataset{
		{Label: "Delivered", Data: delivered, BackgroundColor: colourGood},
		{Label: "Sent, no receipt yet", Data: awaiting, BackgroundColor: colourPending},
		{Label: "Failed", Data: failed, BackgroundColor: colourBad},
		{Label: "Opted out", Data: suppressed, BackgroundColor: colourNeutral},
	}
	out["chart-messages"] = msg

	vc := chart{Type: "bar", Options: map[string]any{"plugins": map[string]any{"legend": map[string]any{"display": false}},
		"scales": map[string]any{"y": axis("Lookups", false, 0)}}}
	var counts []int
	for _, r := range v.Voice {
		vc.Data.Labels = append(vc.Data.Labels, outcomeLabel(r.Outcome))
		counts = append(counts, r.N)
	}
	vc.Data.Datasets = []chartDataset{{Label: "Lookups", Data: counts, BackgroundColor: palette[0]}}
	out["chart-voice"] = vc

	ep := chart{Type: "bar", Options: map[string]any{"indexAxis": "y",
		"scales": map[string]any{"x": axis("Deliveries", true, 0), "y": axis("", true, 0)}}}
	var epDelivered, epFailed, epPending []int
	for _, s := range v.Endpoints[:min(len(v.Endpoints), chartEndpoints)] {
		ep.Data.Labels = append(ep.Data.Labels, endpointName(s))
		epDelivered, epFailed, epPending = append(epDelivered, s.Delivered), append(epFailed, s.Failed), append(epPending, s.Pending)
	}
	ep.Data.Datasets = []chartDataset{
		{Label: "Delivered", Data: epDelivered, BackgroundColor: colourGood},
		{Label: "Failed", Data: epFailed, BackgroundColor: colourBad},
		{Label: "Being tried", Data: epPending, BackgroundColor: colourPending},
	}
	out["chart-endpoints"] = ep
	return out
}

func hours(d time.Duration) float64 { return float64(int(d.Hours()*10+0.5)) / 10 }

// words turns a code (carrier_exception) into words (carrier exception).
func words(code string) string { return strings.ReplaceAll(code, "_", " ") }

// outcomeLabel is how the page names a voice lookup's outcome.
func outcomeLabel(o voice.LookupOutcome) string {
	switch o {
	case voice.LookupVerified:
		return "Verified and answered"
	case voice.LookupUnverified:
		return "Caller not verified"
	case voice.LookupNotFound:
		return "Order not found"
	case voice.LookupError:
		return "Could not answer"
	}
	return words(string(o))
}

// endpointName is how a chart labels a destination: its description, else its URL as shown.
func endpointName(s outbound.EndpointStat) string {
	name := cmp.Or(s.Description, s.URL)
	if r := []rune(name); len(r) > 40 {
		name = string(r[:39]) + "…"
	}
	return name
}

// took is how long something took, as span writes it; a dash for nothing to tell.
func took(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return span(d)
}

// pct draws a percentage for console.js to put in the reader's locale; a dash for none.
func pct(p *float64) template.HTML {
	if p == nil {
		return "—"
	}
	s := strconv.FormatFloat(*p, 'f', -1, 64)
	return template.HTML(`<span data-num="` + s + `" data-unit=" %">` + s + ` %</span>`)
}

// Label is how the page names the outcome.
func (r voiceRow) Label() string { return outcomeLabel(r.Outcome) }
