package db_test

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/order"
)

// list returns the ids of one page and checks that its views come without timelines.
func list(t *testing.T, pool *pgxpool.Pool, p db.ListParams) ([]string, string) {
	t.Helper()
	page, err := db.ListOrders(t.Context(), pool, p)
	if err != nil {
		t.Fatalf("ListOrders(%+v): %v", p, err)
	}
	ids := []string{}
	for _, v := range page.Orders {
		if v.Timeline == nil || len(v.Timeline) != 0 {
			t.Errorf("order %s: timeline %#v, want empty and not nil", v.OrderID, v.Timeline)
		}
		ids = append(ids, v.OrderID)
	}
	return ids, page.Next
}

func TestListOrdersFilters(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	carrier, other := uniq(t, "Carrier"), uniq(t, "Other")
	o1, o2, o3 := uniq(t, "order"), uniq(t, "order"), uniq(t, "order")
	v1 := newView(o1, t0, shipment("s1", carrier, o1+"-tn", order.ShipmentInTransit))
	v2 := newView(o2, at(time.Hour), shipment("s1", carrier, o2+"-tn", order.ShipmentDelivered))
	v2.Status = order.StatusDelivered
	v3 := newView(o3, at(2*time.Hour), shipment("s1", carrier, o3+"-tn", order.ShipmentInTransit), shipment("s2", other, o3+"-tn2", order.ShipmentInTransit))
	for _, v := range []order.View{v2, v3, v1} {
		save(t, pool, db.Snapshot{Revision: 1, View: v})
	}

	tests := []struct {
		name string
		p    db.ListParams
		want []string
	}{
		{"carrier, newest first", db.ListParams{Carrier: carrier}, []string{o3, o2, o1}},
		{"carrier in other case", db.ListParams{Carrier: strings.ToLower(carrier)}, []string{o3, o2, o1}},
		{"second carrier of an order", db.ListParams{Carrier: strings.ToUpper(other)}, []string{o3}},
		{"status", db.ListParams{Carrier: carrier, Status: order.StatusShipped}, []string{o3, o1}},
		{"tracking number", db.ListParams{TrackingNumber: " " + spaced(o2+"-tn")}, []string{o2}},
		{"tracking number and status", db.ListParams{TrackingNumber: o2 + "-tn", Status: order.StatusShipped}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next := list(t, pool, tt.p)
			if !slices.Equal(got, tt.want) || next != "" {
				t.Errorf("ListOrders(%+v) = %v next %q, want %v and no next", tt.p, got, next, tt.want)
			}
		})
	}

	t.Run("unfiltered", func(t *testing.T) {
		page, err := db.ListOrders(t.Context(), pool, db.ListParams{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(page.Orders); i++ {
			if page.Orders[i].CreatedAt.After(page.Orders[i-1].CreatedAt) {
				t.Fatalf("order %d created %v after order %d created %v", i, page.Orders[i].CreatedAt, i-1, page.Orders[i-1].CreatedAt)
			}
		}
	})
}

func TestListOrdersPaging(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	carrier := uniq(t, "carrier")
	base := uniq(t, "order")
	// Three orders share one created_at and two another: pages must split ties cleanly.
	created := []time.Duration{0, 0, 0, time.Hour, time.Hour, 2 * time.Hour, 3 * time.Hour}
	type made struct {
		id string
		at time.Time
	}
	var all []made
	for i, d := range created {
		id := fmt.Sprintf("%s-%02d", base, i)
		save(t, pool, db.Snapshot{Revision: 1, View: newView(id, at(d), shipment("s1", carrier, id, order.ShipmentInTransit))})
		all = append(all, made{id, at(d)})
	}
	slices.SortFunc(all, func(a, b made) int { return cmp.Or(b.at.Compare(a.at), strings.Compare(b.id, a.id)) })
	var want []string
	for _, m := range all {
		want = append(want, m.id)
	}

	for _, limit := range []int{1, 2, 3, 6, 7, 8} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			var got []string
			p := db.ListParams{Carrier: carrier, Limit: limit}
			for pages := 1; ; pages++ {
				ids, next := list(t, pool, p)
				if len(ids) > limit {
					t.Fatalf("page %d has %d orders, limit %d", pages, len(ids), limit)
				}
				got = append(got, ids...)
				if next == "" {
					break
				}
				if pages > len(created) {
					t.Fatalf("still paging after %d pages: %v", pages, got)
				}
				p.Cursor = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("walk = %v\nwant  %v", got, want)
			}
		})
	}
}

func TestListOrdersLimit(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	carrier := uniq(t, "carrier")
	const n = 60
	for i := range n {
		id := uniq(t, "order")
		save(t, pool, db.Snapshot{Revision: 1, View: newView(id, at(time.Duration(i)*time.Minute), shipment("s1", carrier, id, order.ShipmentInTransit))})
	}
	tests := []struct{ limit, want int }{{0, 50}, {-1, 50}, {201, 50}, {200, n}, {10, 10}}
	for _, tt := range tests {
		got, next := list(t, pool, db.ListParams{Carrier: carrier, Limit: tt.limit})
		if len(got) != tt.want || (next == "") != (tt.want == n) {
			t.Errorf("limit %d: %d orders, next %q; want %d", tt.limit, len(got), next, tt.want)
		}
	}
}

func TestListOrdersBadCursor(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	enc := base64.RawURLEncoding.EncodeToString
	for _, cursor := range []string{
		"not base64!",
		enc([]byte("no separator")),
		enc([]byte("yesterday|some-order")),
		base64.StdEncoding.EncodeToString([]byte(t0.Format(time.RFC3339Nano) + "|x")), // padded: not ours
	} {
		if _, err := db.ListOrders(t.Context(), pool, db.ListParams{Cursor: cursor}); !errors.Is(err, db.ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", cursor, err)
		}
	}
}
