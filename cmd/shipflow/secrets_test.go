package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/internal/testenv"
)

// TestSecretsReseal: rows an older version stored in clear are sealed by `shipflow migrate`
// and by `shipflow secrets reseal`, which refuses to run without keys.
func TestSecretsReseal(t *testing.T) {
	dbURL := testenv.NewDatabaseURL(t)
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := pgx.Connect(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.Exec(t.Context(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	admin.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := db.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	const secret, hook = "whsec_c2VjcmV0LWluLWNsZWFyLWZvci10aGUtdGVzdA==", "https://hooks.slack.com/services/T1/B1/clearfeedtoken"
	clear := func(id string) {
		t.Helper()
		if _, err := pool.Exec(t.Context(), `INSERT INTO webhook_endpoints (id, kind, url, secret, headers) VALUES
			($1, 'webhook', 'https://erp.example/hook', $2, '{"Authorization": "Bearer clear-token-123456"}'), ($1 || '_feed', 'slack', $3, $2, '{}')`,
			id, secret, hook); err != nil {
			t.Fatal(err)
		}
	}
	sealed := func(id string) {
		t.Helper()
		var got string
		if err := pool.QueryRow(t.Context(), `SELECT string_agg(url || ' ' || COALESCE(url_sealed, '') || ' ' || secret || ' ' || headers::text, ' | ')
			FROM webhook_endpoints WHERE id LIKE $1 || '%'`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, secret) || strings.Contains(got, "clear-token") || strings.Contains(got, "clearfeedtoken") || strings.Count(got, "sf1:stack:") != 4 {
			t.Errorf("%s stored as %s: want every secret sealed with the first key", id, got)
		}
	}
	vars := map[string]string{"DATABASE_URL": dbURL, "TEMPORAL_ADDRESS": testenv.TemporalAddress(t), "SHIPFLOW_SECRET_KEYS": stackSecretKeys}

	clear("ep_before_migrate")
	if err := run(t.Context(), []string{"migrate"}, testEnv(t, vars)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	sealed("ep_before_migrate")

	clear("ep_before_reseal")
	var out bytes.Buffer
	e := testEnv(t, vars)
	e.stdout = &out
	if err := run(t.Context(), []string{"secrets", "reseal"}, e); err != nil {
		t.Fatalf("secrets reseal: %v", err)
	}
	sealed("ep_before_reseal")
	if !strings.Contains(out.String(), "resealed 4 values of 2 endpoints with key stack") {
		t.Errorf("secrets reseal said %q", out.String())
	}

	delete(vars, "SHIPFLOW_SECRET_KEYS")
	if err := run(t.Context(), []string{"secrets", "reseal"}, testEnv(t, vars)); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_SECRET_KEYS") {
		t.Errorf("without keys: %v", err)
	}
}
