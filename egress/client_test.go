package egress

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var allowLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// server starts an httptest server on 127.0.0.1 and counts its requests.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestClientRefusesLoopbackByDefault(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request) {})
	// Credentials in the URL must not appear in the error either.
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("admin", "hunter2")

	_, err := NewClient(Policy{}).Get(u.String())
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("Get(%s) = %v, want ErrForbiddenAddress", srv.URL, err)
	}
	var uerr *url.Error
	if !errors.As(err, &uerr) {
		t.Errorf("error %T is not a *url.Error", err)
	}
	if msg := err.Error(); !strings.Contains(msg, u.Host) || !strings.Contains(msg, "loopback") || strings.Contains(msg, "hunter2") {
		t.Errorf("error %q: want it to name %s and loopback, and not the password", msg, u.Host)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestClientAllowsAllowedCIDR(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	resp, err := NewClient(Policy{Allowed: allowLoopback}).Get(srv.URL)
	if err != nil {
		t.Fatalf("Get with 127.0.0.0/8 allowed: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("got %d %q, want 200 \"ok\"", resp.StatusCode, body)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	target, targetHits := server(t, func(w http.ResponseWriter, r *http.Request) {})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusFound)
	})
	resp, err := NewClient(Policy{Allowed: allowLoopback}).Get(srv.URL)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want 302 returned unfollowed", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != target.URL+"/elsewhere" {
		t.Errorf("Location %q, want %q", loc, target.URL+"/elsewhere")
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("redirect target saw %d requests, want 0", n)
	}
}

func TestClientTimeout(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	_, err := NewClient(Policy{Allowed: allowLoopback, Timeout: 100 * time.Millisecond}).Get(srv.URL)
	var uerr *url.Error
	if !errors.As(err, &uerr) || !uerr.Timeout() {
		t.Fatalf("Get = %v, want a timeout", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("gave up after %v, want about 100ms", elapsed)
	}
}

func TestNewClientDefaults(t *testing.T) {
	c := NewClient(Policy{})
	if c.Timeout != DefaultTimeout || DefaultTimeout != 15*time.Second {
		t.Errorf("Timeout = %v, want 15s", c.Timeout)
	}
	if c := NewClient(Policy{Timeout: -time.Second}); c.Timeout != DefaultTimeout {
		t.Errorf("negative Timeout gave %v, want %v", c.Timeout, DefaultTimeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T, want *http.Transport", c.Transport)
	}
	if tr.Proxy != nil {
		t.Error("Transport.Proxy is set; a proxy would dial past the guard")
	}
	//lint:ignore SA1019 the deprecated hooks would bypass the guarded dialer too: they must stay unset
	if tr.DialTLSContext != nil || tr.DialTLS != nil || tr.Dial != nil {
		t.Error("Transport has a dial hook that bypasses the guarded dialer")
	}
}

// TestClientIgnoresProxyEnvironment checks that HTTPS_PROXY/HTTP_PROXY do
// not route requests through a proxy, which would connect on our behalf:
// the "proxy" here is the only server and must see nothing.
func TestClientIgnoresProxyEnvironment(t *testing.T) {
	proxy, proxyHits := server(t, func(w http.ResponseWriter, r *http.Request) {})
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	_, err := NewClient(Policy{Allowed: allowLoopback, Timeout: time.Second}).Get("http://192.0.2.1/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("Get via proxy environment = %v, want ErrForbiddenAddress from a direct dial", err)
	}
	if n := proxyHits.Load(); n != 0 {
		t.Errorf("proxy saw %d requests, want 0", n)
	}
}

func TestGuardControl(t *testing.T) {
	g := guard{allowed: allowLoopback}
	tests := []struct {
		network, address string
		ok               bool
	}{
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:8080", true},
		{"tcp6", "[::1]:8080", false},
		{"tcp6", "[fe80::1%eth0]:443", false},
		{"tcp6", "[::ffff:169.254.169.254]:80", false},
		{"tcp4", "10.0.0.1:443", false},
		{"udp4", "8.8.8.8:53", false},
		{"tcp", "hooks.example.com:443", false},
		{"tcp", "", false},
	}
	for _, tt := range tests {
		err := g.control(context.Background(), tt.network, tt.address, nil)
		if tt.ok != (err == nil) {
			t.Errorf("control(%q, %q) = %v, want ok=%v", tt.network, tt.address, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("control(%q, %q) = %v, want ErrForbiddenAddress", tt.network, tt.address, err)
		}
	}
}
