package engine_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/shipflow/shipflow/engine"
	"github.com/shipflow/shipflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// serverName is the only name on the frontend's certificate: the client reaches the server by
// 127.0.0.1, so every connection that works has checked the name through ServerName.
const serverName = "temporal.test"

// secured is a real temporal-server whose frontend serves TLS and takes only clients with a
// certificate of ca, reached through a plain TCP proxy that can drop every connection (as a
// load balancer restarting does) without stopping the server.
type secured struct {
	ca    *testenv.CA
	proxy *testenv.Proxy
	dir   string
	caPEM string
}

func newSecured(t *testing.T) *secured {
	ca := testenv.NewCA(t, "shipflow test CA")
	s := &secured{ca: ca, dir: t.TempDir()}
	s.caPEM = writeFile(t, s.dir, "ca.crt", ca.PEM)
	ca.Server(t, serverName).Write(t, s.dir, "server")
	ca.Client(t, "temporal-system-worker").Write(t, s.dir, "client")
	s.proxy = testenv.NewProxy(t, testenv.NewSecuredTemporal(t, s.dir, serverName))
	return s
}

func dial(t *testing.T, addr string, sec engine.Security, timeout time.Duration) (client.Client, error) {
	t.Helper()
	c, err := engine.Dial(context.Background(), engine.Options{Address: addr, Namespace: "default", Security: sec}, timeout)
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

func echo(ctx workflow.Context, s string) (string, error) { return "echo " + s, nil }

// TestSecuredCluster connects to a real Temporal server that serves TLS and requires client
// certificates, the way a self-hosted production cluster is secured.
func TestSecuredCluster(t *testing.T) {
	s := newSecured(t)
	t.Run("mutual TLS", func(t *testing.T) { mutualTLS(t, s) })
	t.Run("refused clients", func(t *testing.T) { refusedClients(t, s) })
}

// mutualTLS is health, a namespace call and a workflow run by a worker polling through the
// secured frontend; then the client certificate is replaced on disk, and the next connection
// presents the new one.
func mutualTLS(t *testing.T, s *secured) {
	certFile, keyFile := s.ca.Client(t, "worker-1").Write(t, s.dir, "worker")
	sec := engine.Security{CAFile: s.caPEM, ServerName: serverName, CertFile: certFile, KeyFile: keyFile}
	c, err := dial(t, s.proxy.Addr(), sec, 10*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("health: %v", err)
	}
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"}); err != nil {
		t.Fatalf("describe namespace: %v", err)
	}
	tq := testenv.TaskQueue(t)
	w := sdkworker.New(c, tq, sdkworker.Options{})
	w.RegisterWorkflow(echo)
	testenv.StartWorker(t, w)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: tq}, echo, "over mTLS")
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "echo over mTLS" {
		t.Fatalf("workflow result %q, %v", got, err)
	}

	// A certificate of a CA the server does not trust is written over the client's: the
	// next connection presents it and is refused, so the files were read again.
	other := testenv.NewCA(t, "another CA")
	other.Client(t, "stranger").Write(t, s.dir, "worker")
	s.proxy.Cut()
	s.proxy.Restore()
	testenv.Eventually(t, 20*time.Second, func() bool {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err != nil
	}, "the server still accepts the client after its certificate was replaced by a stranger's")

	// The renewed certificate, signed by the right CA: the client is back without a restart.
	s.ca.Client(t, "worker-2").Write(t, s.dir, "worker")
	s.proxy.Cut()
	s.proxy.Restore()
	testenv.Eventually(t, 30*time.Second, func() bool {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err == nil
	}, "no connection after the renewal")
}

// refusedClients are connections the server or the client refuses, each ending start-up with
// the reason.
func refusedClients(t *testing.T, s *secured) {
	certFile, keyFile := s.ca.Client(t, "worker").Write(t, s.dir, "worker")
	other := testenv.NewCA(t, "another CA")
	otherCert, otherKey := other.Client(t, "stranger").Write(t, s.dir, "stranger")
	otherCA := writeFile(t, s.dir, "other-ca.crt", other.PEM)
	for _, tc := range []struct {
		name string
		sec  engine.Security
		want string
	}{
		{"no client certificate", engine.Security{CAFile: s.caPEM, ServerName: serverName}, "certificate required"},
		{"client certificate of another CA", engine.Security{CAFile: s.caPEM, ServerName: serverName, CertFile: otherCert, KeyFile: otherKey}, "unknown certificate authority"},
		{"wrong server name", engine.Security{CAFile: s.caPEM, ServerName: "other.test", CertFile: certFile, KeyFile: keyFile}, "valid for temporal.test, not other.test"},
		{"server of another CA", engine.Security{CAFile: otherCA, ServerName: serverName, CertFile: certFile, KeyFile: keyFile}, "signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each waits out its dial timeout
			_, err := dial(t, s.proxy.Addr(), tc.sec, 2*time.Second)
			if err == nil {
				t.Fatal("dial succeeded")
			}
			if !strings.Contains(err.Error(), "TLS handshake: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say the TLS handshake failed with %q", err, tc.want)
			}
			t.Log(err)
		})
	}
	t.Run("plain text to a TLS endpoint", func(t *testing.T) {
		t.Parallel()
		if _, err := dial(t, s.proxy.Addr(), engine.Security{}, 2*time.Second); err == nil {
			t.Fatal("dial succeeded")
		}
	})
}

// TestAPIKey checks the key goes out as the bearer token Temporal Cloud reads, over TLS, to a
// gRPC server of the test's own that records what it is sent.
func TestAPIKey(t *testing.T) {
	ca := testenv.NewCA(t, "shipflow test CA")
	dir := t.TempDir()
	var (
		mu   sync.Mutex
		auth []string
	)
	srv := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{ca.Server(t, serverName).TLS(t)}})),
		grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
			md, _ := metadata.FromIncomingContext(stream.Context())
			mu.Lock()
			auth = append(auth, md.Get("authorization")...)
			mu.Unlock()
			return status.Error(codes.Unimplemented, "unknown method")
		}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	sec := engine.Security{CAFile: writeFile(t, dir, "ca.pem", ca.PEM), ServerName: serverName, APIKey: "key-123"}
	_, _ = dial(t, ln.Addr().String(), sec, 3*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(auth) == 0 {
		t.Fatal("the server got no authorization metadata")
	}
	for _, a := range auth {
		if a != "Bearer key-123" {
			t.Fatalf("authorization %q, want Bearer key-123", a)
		}
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
