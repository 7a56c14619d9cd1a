package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/db"
)

// adminURL reaches the server's maintenance database; SHIPFLOW_TEST_DATABASE_URL overrides it.
func adminURL() string {
	if u := os.Getenv("SHIPFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var pkgDB struct {
	url  string
	pool *pgxpool.Pool
	err  error
}

// DB returns a pool on this test package's own migrated database. Tests in a package share it,
// so each uses its own order ids; packages never see each other's rows.
func DB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	DatabaseURL(t)
	return pkgDB.pool
}

// DatabaseURL returns the URL of this package's database, creating and migrating it first.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if pkgDB.url == "" && pkgDB.err == nil {
		pkgDB.url, pkgDB.pool, pkgDB.err = createDB()
	}
	if pkgDB.err != nil {
		t.Fatalf("test database: %v (is Postgres up on 127.0.0.1:5432? `make test` starts it)", pkgDB.err)
	}
	return pkgDB.url
}

func createDB() (string, *pgxpool.Pool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := dbName()
	admin, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	pool, err := db.Open(ctx, u.String())
	if err != nil {
		return "", nil, err
	}
	if _, err := db.Migrate(ctx, pool); err != nil {
		pool.Close()
		return "", nil, err
	}
	atExit(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, adminURL()); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return u.String(), pool, nil
}

// dbName is unique per package and process, so parallel `go test` packages never collide.
func dbName() string {
	wd, _ := os.Getwd()
	pkg := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(filepath.Base(wd), "_"))
	return fmt.Sprintf("shipflow_test_%s_%d", pkg, os.Getpid())
}

// NewDatabaseURL returns the URL of a database that does not exist yet and drops it when the
// test ends, for tests of code that creates its own database.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", dbName(), time.Now().UnixNano()%1e9)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, adminURL()); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	return u.String()
}
