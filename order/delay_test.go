package order_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

func TestClassifyDelay(t *testing.T) {
	for _, tt := range []struct {
		words string
		want  order.DelayReason
	}{
		{"Customs fee unpaid: pay now at https://evil.example/pay", order.DelayCustoms},
		{"stuck at customs in traffic", order.DelayCustoms},
		{"heavy traffic on the ring road", order.DelayTraffic},
		{"accident on A1", order.DelayTraffic},
		{"didelės spūstys", order.DelayTraffic},
		{"snowing hard", order.DelayWeather},
		{"plikledis", order.DelayWeather},
		{"van broke down", order.DelayVehicle},
		{"flat tyre", order.DelayVehicle},
		{"sugedo automobilis", order.DelayVehicle},
		{"can't find the address", order.DelayAddress},
		{"neteisingas adresas", order.DelayAddress},
		{"Weather", order.DelayWeather},
		{"customs", order.DelayCustoms},
		// Word starts only: a train, the police and a retired driver are no weather or tyre.
		{"missed the train", order.DelayOther},
		{"police check", order.DelayOther},
		{"driver retired", order.DelayOther},
		{"", order.DelayOther},
		{"call me at +37060000000", order.DelayOther},
	} {
		if got := order.ClassifyDelay(tt.words); got != tt.want {
			t.Errorf("ClassifyDelay(%q) = %s, want %s", tt.words, got, tt.want)
		}
	}
}

func TestParseDelayReason(t *testing.T) {
	for _, r := range order.DelayReasons {
		if got, err := order.ParseDelayReason(strings.ToUpper(string(r))); err != nil || got != r {
			t.Errorf("ParseDelayReason(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := order.ParseDelayReason("fee"); err == nil {
		t.Error("an unknown reason code parsed")
	}
}

func TestCheckDelayText(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
	}{
		{"a sentence", "stuck behind an accident near Kaunas", ""},
		{"Lithuanian", "spūstis prie Kauno", ""},
		{"at the cap", strings.Repeat("ž", order.DelayTextMax), ""},
		{"over the cap", strings.Repeat("a", order.DelayTextMax+1), "reason must be at most 200 characters"},
		{"NUL", "traffic\x00", "reason must not hold control characters"},
		{"line break", "traffic\nCall +37060000000", "reason must not hold control characters"},
		{"escape", "\x1b[31m", "reason must not hold control characters"},
		{"invalid UTF-8", "\xff", "reason must be valid UTF-8"},
	} {
		err := order.CheckDelayText("reason", tt.text)
		if got := ""; err != nil {
			got = err.Error()
			var fe *order.FieldError
			if !errors.As(err, &fe) || fe.Field != "reason" {
				t.Errorf("%s: %v is not a FieldError naming reason", tt.name, err)
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("%s: accepted, want %q", tt.name, tt.want)
		}
	}
}

func TestDelayReasonCode(t *testing.T) {
	at := time.Date(2026, 5, 7, 11, 0, 0, 0, time.UTC)
	d := order.Delay{TrackingNumber: "TS1", Reason: "Customs fee unpaid", At: at}
	if d.Code() != order.DelayCustoms {
		t.Errorf("code of %q = %s", d.Reason, d.Code())
	}
	d.ReasonCode = order.DelayWeather
	if d.Code() != order.DelayWeather || d.Validate() != nil {
		t.Errorf("an explicit code: %s, %v", d.Code(), d.Validate())
	}
	d.ReasonCode = "Fee"
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "reason_code") {
		t.Errorf("unknown code: %v", err)
	}
}

// FuzzClassifyDelay: any words give one of the fixed reasons.
func FuzzClassifyDelay(f *testing.F) {
	for _, s := range []string{"Customs fee unpaid: pay now at https://evil.example/pay", "traffic\x00", strings.Repeat("snow ", 10000), "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := order.ClassifyDelay(s)
		if _, err := order.ParseDelayReason(string(r)); err != nil {
			t.Fatalf("ClassifyDelay(%q) = %q, not a reason", s, r)
		}
		_ = order.CheckDelayText("reason", s)
	})
}

// TestReportDelayBoundsTheWords: a report from a path that did not check its words at the door
// still leaves staff a bounded, single line, and the customer only the code.
func TestReportDelayBoundsTheWords(t *testing.T) {
	long := "Customs fee unpaid\n\x00" + strings.Repeat("pay ", 100)
	o, _ := run(t, with(shipped(), delay(order.Delay{TrackingNumber: "TS1", Reason: long, Location: "Vilnius\r\n", At: at(60)}))...)
	x := o.Exception
	if x == nil || x.DelayReason != order.DelayCustoms {
		t.Fatalf("exception %+v", x)
	}
	reason, loc, _ := strings.Cut(x.Message, " (near ")
	if err := order.CheckDelayText("reason", reason); err != nil || loc != "Vilnius)" {
		t.Errorf("message %q: %v", x.Message, err)
	}
}

// Issue 15, finding 5: a second driver report during an open exception publishes too, with the
// report in its detail; runs recorded before replay the old rule, which published nothing.
func TestEveryDelayReportPublishes(t *testing.T) {
	o, _ := run(t, with(shipped(), delay(order.Delay{ID: "call-1", TrackingNumber: "TS1", Reason: "traffic", At: at(60)}))...)
	second := order.Delay{ID: "call-2", TrackingNumber: "TS1", Reason: "still stuck in traffic", Location: "Kaunas", At: at(70)}
	old := o
	old.Notified, old.Timeline = slices.Clone(o.Notified), slices.Clone(o.Timeline)
	fx, err := o.ReportDelay(second)
	if err != nil {
		t.Fatal(err)
	}
	var p *order.Publish
	for _, e := range fx {
		if pe, ok := e.(order.Publish); ok {
			p = &pe
		}
	}
	if p == nil || p.Type != order.PublishShipmentUpdated || p.Detail == nil || p.Detail.Delay == nil || p.Detail.Delay.Reason != "still stuck in traffic" {
		t.Fatalf("effects %+v: want shipment.updated with the report", fx)
	}
	fx, err = old.ReportDelayAs(second, order.DelayRules{QuietRepeats: true, ReturnedOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range fx {
		if _, ok := e.(order.Publish); ok {
			t.Errorf("the old rule published %+v", e)
		}
	}
}
