package activities

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/order"
	"github.com/shipflow/shipflow/track"
)

// PollRequest asks a carrier for news about one shipment.
type PollRequest struct {
	Carrier        string        `json:"carrier"`
	TrackingNumber string        `json:"tracking_number"`
	After          *time.Time    `json:"after,omitempty"` // the newest scan the order has
	Seen           []string      `json:"seen,omitempty"`  // ids of recent scans the order has
	Interval       time.Duration `json:"interval"`
	// Provider is the tracking provider the parcel is registered with, asked first, under
	// ProviderCarrier (its own code for the carrier); empty for parcels never registered.
	Provider        string `json:"provider,omitempty"`
	ProviderCarrier string `json:"provider_carrier,omitempty"`
}

// PollResult is the news: scans the order does not have yet.
type PollResult struct {
	Events []order.TrackingEvent `json:"events"`
	ETA    *time.Time            `json:"eta,omitempty"`
}

// errNoNews makes Temporal ask again after the interval. Polling by retry is Temporal's
// pattern for infrequent polling: attempts are not recorded in the history, so a parcel
// polled every half hour for ten days costs the history only its real changes.
const errNoNews = "NoNews"

// maxPolledScans bounds the scans one poll hands the workflow.
const maxPolledScans = 100

// PollShipment asks the shipment's carrier for scans newer than the order has, and fails with
// "no news" until there are some. A carrier's 429 is waited out for as long as it asks. A
// parcel registered with a tracking provider is asked there, under that provider's code for
// its carrier, whichever provider the deployment prefers for others.
func (a *Activities) PollShipment(ctx context.Context, r PollRequest) (PollResult, error) {
	tr, carrier := a.Tracker, r.Carrier
	if v, ok := a.Tracker.(interface{ Via(string) track.Tracker }); ok && r.Provider != "" {
		if t := v.Via(r.Provider); t != nil {
			tr, carrier = t, cmp.Or(r.ProviderCarrier, r.Carrier)
		}
	}
	switch p := tr.(type) { // the carrier's rate limits come first
	case interface{ MinInterval(string) time.Duration }:
		r.Interval = max(r.Interval, p.MinInterval(r.Carrier))
	case track.Pacer:
		r.Interval = max(r.Interval, p.MinInterval())
	}
	res, err := tr.Track(ctx, carrier, r.TrackingNumber)
	var rl *track.RateLimitError
	switch {
	case track.IsPermanent(err):
		return PollResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "TrackingUnavailable", err)
	case errors.As(err, &rl):
		return PollResult{}, temporal.NewApplicationErrorWithOptions(err.Error(), "RateLimited",
			temporal.ApplicationErrorOptions{NextRetryDelay: max(rl.RetryAfter, r.Interval)})
	case err != nil:
		return PollResult{}, temporal.NewApplicationErrorWithOptions(err.Error(), "CarrierUnavailable",
			temporal.ApplicationErrorOptions{NextRetryDelay: r.Interval, Cause: err})
	}
	var news []order.TrackingEvent
	for _, e := range res.Events {
		if slices.Contains(r.Seen, e.ID) || (r.After != nil && !e.OccurredAt.After(*r.After)) {
			continue
		}
		// A polling API cannot be refused like a webhook: its text is made safe instead, so one
		// stray control character cannot stop the order's projection for good.
		e = e.Clean()
		e.TrackingNumber = r.TrackingNumber
		news = append(news, e)
	}
	if len(news) > maxPolledScans { // the newest speak for the parcel; the rest only bloat the history
		news = news[len(news)-maxPolledScans:]
	}
	if len(news) == 0 {
		return PollResult{}, temporal.NewApplicationErrorWithOptions("no news from the carrier", errNoNews,
			temporal.ApplicationErrorOptions{NextRetryDelay: r.Interval})
	}
	return PollResult{Events: news, ETA: res.ETA}, nil
}
