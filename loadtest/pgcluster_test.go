package loadtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPGClusterSurvivesCrash checks the fault suite's own Postgres: a committed row is still
// there after a crash and a restart on the same port, and nothing of the cluster is left.
func TestPGClusterSurvivesCrash(t *testing.T) {
	if _, err := findPGBin(); err != nil {
		t.Fatalf("the fault suite's Postgres needs the server binaries: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := startPGCluster(ctx, filepath.Join(t.TempDir(), "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Close()
		if _, err := os.Stat(c.root); !os.IsNotExist(err) {
			t.Errorf("the cluster's directory %s is left behind (%v)", c.root, err)
		}
	}()
	exec := func(sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`)
	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	if c.ping(ctx) == nil {
		t.Fatal("postgres still answers after the crash")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT n FROM kept`).Scan(&n); err != nil || n != 42 {
		t.Fatalf("after the crash: %d, %v; want 42", n, err)
	}
}
