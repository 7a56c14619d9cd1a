package changes_test

import (
	"context"
	"testing"
	"time"

	"github.com/shipflow/shipflow/changes"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Issue 15, finding 8: after the feed loses its Postgres connection and listens again, every
// open stream is told to re-read, since changes made meanwhile were never heard.
func TestOpenStreamsReReadAfterTheFeedReconnects(t *testing.T) {
	pool := testenv.DB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := changes.New(pool, testenv.QuietLogger())
	go f.Run(ctx)
	updates, done := f.Subscribe(ctx, "o-1")
	defer done()

	var listening int
	for deadline := time.Now().Add(5 * time.Second); listening == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&listening); err != nil {
			t.Fatal(err)
		}
	}
	if listening == 0 {
		t.Fatal("the feed never listened")
	}
	select {
	case <-updates:
		t.Fatal("a signal before anything changed")
	default:
	}
	if _, err := pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-updates:
	case <-time.After(10 * time.Second):
		t.Fatal("the open stream was not told to re-read after the feed reconnected")
	}
}
