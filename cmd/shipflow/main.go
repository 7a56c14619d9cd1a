// Command shipflow is the one binary of shipflow: `serve` runs the HTTP API, `worker` the
// Temporal worker, `migrate` prepares Postgres and the Temporal namespace, and `dev` runs all of
// it, Temporal included, on one machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// Customers' time zones decide quiet hours and "arrives tomorrow": the binary carries its own
	// zone database so that a minimal image cannot silently turn every zone into UTC.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env env) error
}

// env is what a command may read of its process, so tests can run commands in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

var commands = []command{
	{"serve", "run the HTTP API", runServe},
	{"worker", "run the Temporal worker", runWorker},
	{"migrate", "apply database migrations and register Temporal search attributes", runMigrate},
	{"dev", "run everything on this machine: Temporal dev server, migrations, API and worker", runDev},
	{"demo", "create demo orders on the sim carrier against a running `shipflow dev`", runDemo},
	{"bench", "measure a running system (status-query, webhooks, voice, deliveries) or a seeded database (insight)", runBench},
	{"webhooks", "developer tools for outbound webhooks (listen)", runWebhooks},
	{"secrets", "seal the secrets kept in Postgres with the first of SHIPFLOW_SECRET_KEYS (reseal)", runSecrets},
	{"loadtest", "drive orders through the whole journey and compare with the bare engine", runLoadtest},
	{"version", "print the version", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shipflow:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return flag.ErrHelp
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	usage(e.stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shipflow <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun `shipflow <command> -h` for the command's flags.\n")
}
