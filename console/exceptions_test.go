package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shipflow/shipflow/console"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// seedException puts an order whose exception was raised at raised into the read model, as a
// workflow's projection would.
func seedException(t *testing.T, id string, raised time.Time) {
	t.Helper()
	v := order.View{
		OrderID: id, Status: order.StatusException, CreatedAt: raised.Add(-time.Hour), UpdatedAt: raised,
		Customer:  order.Customer{Name: "Jonas", Email: "jonas@example.com"},
		Shipments: []order.ShipmentView{{ShipmentID: "S1", Carrier: "DPD", TrackingNumber: id + "-TN", Status: order.ShipmentException}},
		Exception: &order.Exception{Reason: order.ReasonCarrierException, ShipmentID: "S1", Message: "Parcel damaged", RaisedAt: raised},
	}
	if _, err := db.SaveOrder(context.Background(), testenv.DB(t), db.Snapshot{Revision: 1, View: v}); err != nil {
		t.Fatal(err)
	}
}

// TestExceptionsQueue pages through the open exceptions, oldest first, each with its age
// against the SLA and the escalation level it has reached. The package's other tests have
// exceptions open too, so it looks for its own orders' places among theirs.
func TestExceptionsQueue(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	b := newConsole(t, func(con *console.Console) {
		con.SLA = 4 * time.Hour
		con.Now = func() time.Time { return now }
	})
	base := orderID(t)
	late, fresh := base+"-late", base+"-fresh"
	seedException(t, fresh, now.Add(-3*time.Hour-10*time.Minute))
	seedException(t, late, now.Add(-9*time.Hour))
	for i := range 50 { // more than a page
		seedException(t, fmt.Sprintf("%s-old-%02d", base, i), now.Add(-100*24*time.Hour+time.Duration(i)*time.Minute))
	}

	var seen []string
	rows := map[string]string{}
	row := regexp.MustCompile(`(?s)<tr>\s*<td class="q-order"><a href="/console/orders/([^"]+)">.*?</tr>`)
	next := "/console/exceptions"
	for pages := 0; next != ""; pages++ {
		if pages == 20 {
			t.Fatal("more than 20 pages of exceptions")
		}
		st, body := b.get(next)
		if st != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, st, body)
		}
		if pages == 0 {
			contains(t, "the queue", body, "SLA of 4h", `name="back" value="exceptions"`)
		}
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			id, _ := url.PathUnescape(m[1])
			if strings.HasPrefix(id, base) {
				seen = append(seen, id)
				rows[id] = m[0]
			}
		}
		next = ""
		if m := regexp.MustCompile(`href="(/console/exceptions\?cursor=[^"]+)"`).FindStringSubmatch(body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	want := []string{}
	for i := range 50 {
		want = append(want, fmt.Sprintf("%s-old-%02d", base, i))
	}
	want = append(want, late, fresh)
	if !slices.Equal(seen, want) {
		t.Fatalf("queue order %q, want the oldest first, each once", seen)
	}
	contains(t, "the late exception's row", rows[late], "9h of 4h", "past SLA", "level 3", "DPD", late+"-TN", "Parcel damaged", "carrier_exception")
	contains(t, "the fresh exception's row", rows[fresh], "3h 10m of 4h", "level 1")
	if strings.Contains(rows[fresh], "past SLA") {
		t.Error("an exception within its SLA is marked past it")
	}

	if st, body := b.get("/console/exceptions?cursor=not-a-cursor"); st != http.StatusBadRequest || !strings.Contains(body, "page link is broken") {
		t.Errorf("bad cursor: %d", st)
	}
	if st, _ := b.get("/console/exceptions?cursor=%00"); st != http.StatusBadRequest {
		t.Errorf("NUL in the cursor: %d", st)
	}
}
