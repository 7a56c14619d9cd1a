package loadtest

import (
	"fmt"
	"io"
)

// FaultReport is what a fault run found. Problems fail it; Notes and UnexpectedExits are worth
// a look but do not.
type FaultReport struct {
	Orders  int     `json:"orders"`
	Events  int     `json:"events"`
	Rate    float64 `json:"rate_events_per_second"`
	Long    bool    `json:"long"`
	Seconds float64 `json:"seconds"` // from the first event until everything settled

	Faults   []FaultRecord `json:"faults"`
	Recovery Recovery      `json:"recovery"`
	// UnexpectedExits are shipflow processes that ended without being killed; the suite
	// started them again, as an orchestrator would.
	UnexpectedExits []string `json:"unexpected_exits,omitempty"`

	Problems []string `json:"problems"`
	Notes    []string `json:"notes,omitempty"`
	Dir      string   `json:"dir,omitempty"` // the run's directory, when kept
}

// WriteText prints the report for people.
func (r *FaultReport) WriteText(w io.Writer) {
	form := "short"
	if r.Long {
		form = "long"
	}
	fmt.Fprintf(w, "\nshipflow fault suite (%s form): %d orders, %d events at %.0f/s, settled after %.0fs\n\n", form, r.Orders, r.Events, r.Rate, r.Seconds)
	for _, f := range r.Faults {
		fmt.Fprintf(w, "  %6.1fs  %-32s after %3d events acked; down %4.1fs, serving %4.1fs after restart; %s\n",
			f.AtSeconds, f.Name, f.Acked, f.DownSeconds, f.ReadySeconds, f.Detail)
	}
	rc := r.Recovery
	fmt.Fprintf(w, "\n  inbound webhooks: %d requests failed and were sent again, %d resends answered duplicate\n", rc.WebhookRequestsFailed, rc.DuplicateAnswers)
	fmt.Fprintf(w, "  relay: %d deliveries relayed more than once (%d extra attempts)\n", rc.RelayedMoreThanOnce, rc.RelayExtraAttempts)
	fmt.Fprintf(w, "  notifications: Twilio refused %d requests; SendGrid refused %d, Mailgun took %d emails over; %d messages needed more than one provider call; %d left unknown\n",
		rc.TwilioRefused, rc.SendGridRefused, rc.MailgunTook, rc.NotifyRetried, rc.NotifyUnknown)
	fmt.Fprintf(w, "  subscriber: %d deliveries, %d attempts recorded, %d repeats received\n", rc.Deliveries, rc.DeliveryAttempts, rc.SubscriberRepeats)
	for _, e := range r.UnexpectedExits {
		fmt.Fprintf(w, "  unexpected exit: %s\n", e)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "\n  every order delivered, every event applied once, every message sent once, every delivery made\n")
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", p)
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "\n  logs: %s\n", r.Dir)
	}
}

// WriteJSON writes the report to path.
func (r *FaultReport) WriteJSON(path string) error { return writeJSON(path, "the fault report", r) }
