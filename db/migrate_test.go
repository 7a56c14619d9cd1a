package db_test

import (
	"os"
	"path"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
)

func open(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestEnsureDatabase(t *testing.T) {
	t.Parallel()
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		url := testenv.NewDatabaseURL(t)
		for i := range 2 {
			if err := db.EnsureDatabase(t.Context(), url); err != nil {
				t.Fatalf("EnsureDatabase call %d: %v", i+1, err)
			}
		}
		open(t, url)
	})
	t.Run("concurrently", func(t *testing.T) {
		t.Parallel()
		url := testenv.NewDatabaseURL(t)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = db.EnsureDatabase(t.Context(), url) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("EnsureDatabase %d: %v", i, err)
			}
		}
		open(t, url)
	})
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := testenv.NewDatabaseURL(t)
	if err := db.EnsureDatabase(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	// Five replicas starting together, each with its own pool.
	applied := make([][]string, 5)
	errs := make([]error, len(applied))
	var wg sync.WaitGroup
	for i := range applied {
		pool := open(t, url)
		wg.Go(func() { applied[i], errs[i] = db.Migrate(t.Context(), pool) })
	}
	wg.Wait()
	var all []string
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
		all = append(all, applied[i]...)
	}
	slices.Sort(all)
	if want := migrationFiles(t); !slices.Equal(all, want) {
		t.Errorf("applied across replicas = %v, want each of %v once", all, want)
	}

	pool := open(t, url)
	current, latest, err := db.Version(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if current != latest || latest < 1 {
		t.Errorf("Version = %d, latest %d; want latest, at least 1", current, latest)
	}
	if applied, now, err := db.Applied(t.Context(), pool); err != nil || applied != current || time.Since(now).Abs() > time.Minute {
		t.Errorf("Applied = %d at %s, %v; want %d now", applied, now, err, current)
	}
	again, err := db.Migrate(t.Context(), pool)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate applied %v, %v; want nothing", again, err)
	}
}

// migrationFiles lists the migrations as Migrate reports them, sorted.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	des, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		if path.Ext(de.Name()) == ".sql" {
			names = append(names, de.Name())
		}
	}
	return names
}
