package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipflow/shipflow/internal/testenv"
)

// TestBenchInsightSmall seeds a few hundred orders with `shipflow bench insight` and measures
// them, so the seed whose million-order figures docs/BENCHMARKS.md quotes keeps matching the
// schema and the read paths (the searches decode every order view they find). It checks what
// the bench reports and how Postgres reads each window, never how fast.
func TestBenchInsightSmall(t *testing.T) {
	dbURL := testenv.NewDatabaseURL(t)
	u, _ := url.Parse(dbURL)
	out := filepath.Join(t.TempDir(), "insight.json")
	args := []string{"bench", "insight", "-orders", "400", "-days", "60", "-runs", "1", "-database", path.Base(u.Path), "-json", out}
	e := testEnv(t, map[string]string{"DATABASE_URL": dbURL})
	if err := run(context.Background(), args, e); err != nil {
		t.Fatalf("bench insight: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res insightResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows["orders"] != 400 || res.Rows["shipments"] < 400 || res.Rows["notifications"] < 400 || res.Rows["webhook_deliveries"] < 400 ||
		res.Rows["order_exceptions"] == 0 || res.Rows["voice_lookups"] == 0 {
		t.Errorf("seeded rows %v", res.Rows)
	}
	if len(res.Queries) != 19 || len(res.Pages) != 3 {
		t.Fatalf("%d queries and %d pages measured, want 19 and 3", len(res.Queries), len(res.Pages))
	}
	// How each table was read is reported; which way Postgres reads a few hundred rows says
	// nothing of a million (a sequential scan is cheaper here), so that is for the documented run.
	for _, q := range res.Queries {
		if q.PostgresMS <= 0 || q.CallMS <= 0 || len(q.Plan) == 0 {
			t.Errorf("%s over %d days: %+v", q.Name, q.Window, q)
		}
	}
	// A second seed of the same database is refused: it holds orders.
	if err := run(context.Background(), args, e); err == nil || !strings.Contains(err.Error(), "already holds orders") {
		t.Errorf("seeding again: %v", err)
	}
}
