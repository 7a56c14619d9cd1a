package tokens_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/tokens"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A token is marked used at most once a minute, so a busy token costs a write a minute, not
// one a request; a revoked token authenticates no more.
func TestLastUsedIsWrittenOnceAMinute(t *testing.T) {
	ctx := access.WithActor(context.Background(), access.System("test"))
	pool := testenv.DB(t)
	tok, secret, err := tokens.Create(ctx, pool, "busy", []access.Scope{access.ScopeReadOrders})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		var at time.Time
		if err := pool.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = $1`, tok.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	start := time.Now().UTC().Truncate(time.Microsecond)
	for _, step := range []struct {
		after time.Duration
		want  time.Duration
	}{{0, 0}, {30 * time.Second, 0}, {59 * time.Second, 0}, {61 * time.Second, 61 * time.Second}, {90 * time.Second, 61 * time.Second}} {
		got, err := tokens.Authenticate(ctx, pool, secret, start.Add(step.after))
		if err != nil || got.Name != "busy" {
			t.Fatalf("authenticate after %s: %+v %v", step.after, got, err)
		}
		if at := lastUsed(); !at.Equal(start.Add(step.want)) {
			t.Errorf("after %s: last used %s, want %s", step.after, at, start.Add(step.want))
		}
	}
	if _, _, err := tokens.Revoke(ctx, pool, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, pool, secret, start); !errors.Is(err, tokens.ErrUnknown) {
		t.Errorf("a revoked token: %v, want ErrUnknown", err)
	}
	if _, err := tokens.Authenticate(ctx, pool, "sft_short", start); !errors.Is(err, tokens.ErrUnknown) {
		t.Errorf("a malformed token: %v, want ErrUnknown", err)
	}
}

func FuzzNamed(f *testing.F) {
	f.Add("sft_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("tok_AAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		if tokens.Named(s) && (len(s) != 56 || s[:4] != tokens.Prefix) {
			t.Fatalf("%q taken as a named token", s)
		}
		if tokens.ValidID(s) && len(s) != 30 {
			t.Fatalf("%q taken as a token id", s)
		}
	})
}
