package main

import (
	"context"
	"fmt"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/workflows"
)

// runMigrate prepares everything shipflow's schema depends on, in Postgres and in Temporal. It
// is safe to run from every replica at once.
func runMigrate(ctx context.Context, args []string, e env) error {
	a, err := openApp(ctx, "migrate", args, e)
	if err != nil {
		return err
	}
	defer a.close()
	return a.migrate(ctx)
}

func (a *app) migrate(ctx context.Context) error {
	applied, err := db.Migrate(ctx, a.db)
	if err != nil {
		return err
	}
	current, _, err := db.Version(ctx, a.db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	a.log.Info("database migrated", "applied", applied, "schema_version", current)
	// Secrets stored in clear before their columns were sealed, or sealed with a key that is no
	// longer first, are sealed with the first key (outbound.Reseal: safe from every replica).
	if a.secrets == nil {
		a.log.Warn("secrets kept in Postgres not resealed: no keys", "set", "SHIPFLOW_SECRET_KEYS")
	} else if _, err := reseal(ctx, a.db, a.secrets, a.log); err != nil {
		return err
	}
	if err := engine.EnsureSearchAttributes(ctx, a.temporal, a.cfg.Temporal.Namespace, workflows.SearchAttributes...); err != nil {
		return err
	}
	a.log.Info("search attributes registered", "namespace", a.cfg.Temporal.Namespace, "count", len(workflows.SearchAttributes))
	return nil
}
