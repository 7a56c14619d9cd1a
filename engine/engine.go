// Package engine owns shipflow's connection to Temporal: dialing the frontend with a clear error
// when it is not there, making sure the namespace has shipflow's custom search attributes, and,
// for `shipflow dev`, running the Temporal dev server as a child process.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/shipflow/shipflow/egress"
)

// Options says where Temporal is and how the connection to it is secured.
type Options struct {
	Address, Namespace string
	Security           Security
	Logger             *slog.Logger
	Metrics            client.MetricsHandler
	// DataConverter seals payloads (package payload); nil is the SDK's default.
	DataConverter converter.DataConverter
}

// Dial connects to Temporal and waits up to timeout for it to answer a health check, so a
// wrong address ends start-up with one line instead of a worker that silently never polls.
func Dial(ctx context.Context, o Options, timeout time.Duration) (client.Client, error) {
	opts := client.Options{HostPort: o.Address, Namespace: o.Namespace, MetricsHandler: o.Metrics, DataConverter: o.DataConverter}
	if loopback(o.Address) {
		// The SDK gzips every request by default. To a frontend on this machine that saves
		// no time and costs CPU at both ends: 2% of shipflow's own under the 2,000-order
		// loadtest (docs/BENCHMARKS.md, "Where shipflow's CPU goes").
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	transport := "plain text"
	if o.Security.On() {
		tc, err := o.Security.tlsConfig()
		if err != nil {
			return nil, fmt.Errorf("temporal at %s: %w", o.Address, err)
		}
		opts.ConnectionOptions.TLS = tc
		if o.Security.APIKey != "" {
			opts.Credentials = client.NewAPIKeyStaticCredentials(o.Security.APIKey)
		}
		transport = "TLS"
	}
	if o.Logger != nil {
		opts.Logger = sdklog.NewStructuredLogger(o.Logger)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			lastErr = rootCause(lastErr)
			if tc := opts.ConnectionOptions.TLS; tc != nil {
				if err := handshakeError(o.Address, tc); err != nil {
					lastErr = fmt.Errorf("TLS handshake: %w", err)
				}
			}
			return nil, fmt.Errorf("temporal at %s (namespace %s, %s) is unreachable: %w", o.Address, o.Namespace, transport, lastErr)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// loopback reports whether addr (host:port) names this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && egress.Loopback(host)
}

// EnsureSearchAttributes registers the search attributes shipflow's workflows upsert, when the
// namespace does not have them yet. It is idempotent, so every `shipflow migrate` and every
// `shipflow dev` start may call it.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, keys ...temporal.SearchAttributeKey) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enums.IndexedValueType{}
	for _, k := range keys {
		if t, ok := have.GetCustomAttributes()[k.GetName()]; ok {
			if t != k.GetValueType() {
				return fmt.Errorf("search attribute %s is registered as %s, shipflow needs %s", k.GetName(), t, k.GetValueType())
			}
			continue
		}
		missing[k.GetName()] = k.GetValueType()
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) { // a concurrent replica may have added them
		return fmt.Errorf("add search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}

// rootCause strips gRPC's long wrapping so the start-up line stays readable.
func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
