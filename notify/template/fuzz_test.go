package template

import (
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/order"
)

// FuzzRender feeds arbitrary customer and carrier strings and times through
// every message: whatever a shop or a carrier sends, Render must neither
// panic nor fail, and the HTML must never carry a tag from the data.
func FuzzRender(f *testing.F) {
	f.Add("Ona Petraitė", "#1042", "lt-LT", "Europe/Vilnius", "Batai", "DPD", "Kaunas", "kelio darbai",
		"https://t.example.com/o/1", int64(1778150000), int64(3600*30), "in_transit")
	f.Add("<script>", "", "", "", "", "", "", "", "javascript:alert(1)", int64(0), int64(0), "")
	f.Add("Jonas", "1\r\n2", "zh-Hant-TW", "Mars/Base", "a, b", "Omniva", "", "{{.}}",
		"", int64(-62135596800), int64(-1), "delivered")
	f.Add("\xff\xfe", "%s%!", "lt_LT.UTF-8", "../../etc/passwd", "\x00", "\u202e", "d.", "d..",
		"%", int64(253402300799), int64(1<<40), "available_for_pickup")
	s := defaultTemplates(f)
	f.Fuzz(func(t *testing.T, name, number, locale, tz, item, carrier, city, reason, url string,
		now, etaOffset int64, status string) {
		n := time.Unix(now, 0)
		eta := n.Add(time.Duration(etaOffset) * time.Second)
		sh := Shipment{ID: "s1", Carrier: carrier, TrackingNumber: number, Items: []string{item, reason},
			ETA: &eta, Status: order.ShipmentStatus(status), City: city}
		other := Shipment{ID: "s2", Carrier: city, Items: []string{name}, Status: order.ShipmentStatus(status)}
		d := Data{
			OrderID: number, OrderNumber: number, FirstName: name, Locale: locale, TimeZone: tz, Now: n,
			Shipment: sh, Shipments: []Shipment{sh, other}, TrackingURL: url, ReviewURL: url, Reason: reason,
		}
		for _, m := range milestones {
			for _, ch := range channels {
				d.Milestone = m
				r, err := s.Render(ch, m, d)
				if err != nil {
					t.Fatalf("%s %s: %v", m, ch, err)
				}
				if r.Text == "" || strings.ContainsAny(r.Subject, "\r\n") {
					t.Fatalf("%s %s: empty text or multi-line subject: %+v", m, ch, r)
				}
				if ch == order.ChannelEmail && strings.Contains(name+item+reason+carrier+city+number, "<") {
					if strings.Contains(r.HTML, "<script") {
						t.Fatalf("%s %s: unescaped data in HTML", m, ch)
					}
				}
			}
		}
	})
}
