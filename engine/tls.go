package engine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Security says how the Temporal frontend is secured. Its zero value is plain text, which is
// what the dev server of `shipflow dev` and the loadtest's children speak.
type Security struct {
	// CAFile is a PEM bundle of the CAs the frontend's certificate must chain to; empty
	// trusts the system's roots, as Temporal Cloud needs.
	CAFile string
	// ServerName is checked on the frontend's certificate instead of the address's host, for
	// a cluster reached by an IP address or through a load balancer of another name.
	ServerName string
	// CertFile and KeyFile are the client certificate of mTLS, read again when they change.
	CertFile, KeyFile string
	// APIKey is a Temporal Cloud API key, sent on every call as a bearer token.
	APIKey string
}

// On reports whether the connection uses TLS: any TLS setting turns it on, and so does an API
// key, which must never cross the network in clear text.
func (s Security) On() bool { return s != Security{} }

// tlsConfig is the client side of the TLS handshake, or an error naming the file that is wrong.
func (s Security) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if s.CAFile != "" {
		pool, err := LoadCA(s.CAFile)
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if s.CertFile != "" || s.KeyFile != "" {
		cc := &clientCert{certFile: s.CertFile, keyFile: s.KeyFile}
		if _, err := cc.get(nil); err != nil {
			return nil, err
		}
		c.GetClientCertificate = cc.get
	}
	return c, nil
}

// LoadCA reads a PEM bundle of CA certificates.
func LoadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", path)
	}
	return pool, nil
}

// LoadKeyPair reads a client certificate and its private key and checks that they belong
// together and that the certificate has not expired.
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	kp, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("client certificate %s with key %s: %w", certFile, keyFile, err)
	}
	if now := time.Now(); now.After(kp.Leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("client certificate %s expired on %s", certFile, kp.Leaf.NotAfter.UTC().Format(time.DateOnly))
	}
	return kp, nil
}

// clientCert is the mTLS client certificate, read again from its files at a handshake when
// either file has changed since the last read, so a certificate renewed on disk (by
// cert-manager or a Vault agent, say) is presented from the next connection on, without a
// restart and without a goroutine watching the files.
type clientCert struct {
	certFile, keyFile string

	mu    sync.Mutex
	stamp [2]fileStamp // of certFile and keyFile when cert was read
	cert  *tls.Certificate
}

func (c *clientCert) get(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := [2]fileStamp{stampOf(c.certFile), stampOf(c.keyFile)}
	if c.cert != nil && now[0].same(c.stamp[0]) && now[1].same(c.stamp[1]) {
		return c.cert, nil
	}
	kp, err := LoadKeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			// Half-way through a rotation (the new certificate written, its key not yet):
			// present the pair that worked, and read again at the next handshake.
			return c.cert, nil
		}
		return nil, err
	}
	c.cert, c.stamp = &kp, now
	return c.cert, nil
}

// fileStamp tells whether a file has changed: its modification time and size.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

func (f fileStamp) same(g fileStamp) bool { return f.mod.Equal(g.mod) && f.size == g.size }

// handshakeError says why a TLS handshake with addr fails, or nil when it succeeds. A failed
// dial asks it because gRPC's own error for a refused client certificate depends on timing
// (often a bare "broken pipe"): TLS 1.3 refuses a client certificate only after the client
// has finished its side of the handshake.
func handshakeError(addr string, cfg *tls.Config) error {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"h2"} // as gRPC asks, or a gRPC server refuses the handshake
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The server's refusal of our certificate is the first thing to read; a server that
	// accepted it sends its HTTP/2 settings or waits for ours.
	_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	var ne net.Error
	if _, err := conn.Read(make([]byte, 1)); err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		return err
	}
	return nil
}
