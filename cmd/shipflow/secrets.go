package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/outbound"
	"github.com/shipflow/shipflow/payload"
	"github.com/shipflow/shipflow/telemetry"
)

// runSecrets is `shipflow secrets reseal`: the secrets kept in Postgres sealed with the first
// of SHIPFLOW_SECRET_KEYS (outbound.Reseal). It needs Postgres only, so it runs beside a live
// deployment without a Temporal connection of its own.
func runSecrets(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "reseal" {
		return errors.New("usage: shipflow secrets reseal")
	}
	cfg, err := config.Load("secrets reseal", args[1:], e.getenv)
	if err != nil {
		return err
	}
	codec, err := cfg.SecretCodec()
	if err != nil {
		return err
	}
	if codec == nil {
		return fmt.Errorf("secrets reseal: %w", payload.ErrNoKeys)
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	r, err := reseal(ctx, pool, codec, telemetry.NewLogger(e.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "resealed %d values of %d endpoints with key %s\n", r.Values, r.Endpoints, cfg.SecretKeys[0].ID)
	if len(r.Unopened) > 0 {
		return fmt.Errorf("secrets reseal: %d endpoints left as they were: %w", len(r.Unopened), errors.Join(r.Unopened...))
	}
	return nil
}

// reseal runs the pass and logs what it did and what it could not.
func reseal(ctx context.Context, pool *pgxpool.Pool, codec *payload.Codec, log *slog.Logger) (outbound.Resealed, error) {
	r, err := outbound.Reseal(ctx, pool, codec)
	if err != nil {
		return r, err
	}
	log.Info("secrets at rest sealed with the first key", "endpoints", r.Endpoints, "values", r.Values)
	for _, err := range r.Unopened {
		log.Warn("secret not resealed: no key opens it", "err", err)
	}
	return r, nil
}
