package main

import (
	"context"
	"net/http"

	"github.com/shipflow/shipflow/server"
)

func runServe(ctx context.Context, args []string, e env) error {
	a, err := openApp(ctx, "serve", args, e)
	if err != nil {
		return err
	}
	defer a.close()
	a.log.Info("serving HTTP API", "addr", a.cfg.HTTPAddr, "version", version)
	return serveHTTP(ctx, newHTTPServer(a.cfg.HTTPAddr, a.api()))
}

func (a *app) api() http.Handler {
	return server.New(server.Deps{Config: a.cfg, DB: a.db, Temporal: a.temporal, Logger: a.log, Metrics: a.metrics})
}
