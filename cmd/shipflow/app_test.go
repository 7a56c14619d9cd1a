package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeHTTPWaitsForWhatItStarts is issue 16: serve returned while the relay and the change
// feed it had started were still running, against a pool about to be closed. serveHTTP now
// returns only after its loops end, and stops them only once the server has stopped accepting
// and drained its requests.
func TestServeHTTPWaitsForWhatItStarts(t *testing.T) {
	addr := freeAddr(t)
	entered, answered := make(chan struct{}), atomic.Bool{}
	srv := newHTTPServer(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			time.Sleep(300 * time.Millisecond)
			answered.Store(true)
		}
		w.WriteHeader(http.StatusOK)
	}))
	var ended atomic.Int32
	loop := func(ctx context.Context) {
		<-ctx.Done()
		if !answered.Load() {
			t.Error("a loop was stopped before the in-flight request was answered")
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Error("a loop was stopped while the server still accepted connections")
		}
		time.Sleep(100 * time.Millisecond) // a loop finishing its pass
		ended.Add(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, []*http.Server{srv}, loop, loop) }()
	waitFor(t, "http://"+addr+"/", http.StatusOK, 10*time.Second)

	slow := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		slow <- err
	}()
	<-entered
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveHTTP: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveHTTP did not return within 10s of its context ending")
	}
	if n := ended.Load(); n != 2 {
		t.Errorf("serveHTTP returned with %d of its 2 loops ended", n)
	}
	if err := <-slow; err != nil {
		t.Errorf("the in-flight request was not drained: %v", err)
	}
}

// TestServeHTTPStopsItsLoopsWhenItCannotListen: the first fatal error ends the rest.
func TestServeHTTPStopsItsLoopsWhenItCannotListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var ended atomic.Bool
	loop := func(ctx context.Context) {
		<-ctx.Done()
		ended.Store(true)
	}
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(context.Background(), []*http.Server{newHTTPServer(ln.Addr().String(), http.NotFoundHandler())}, loop)
	}()
	select {
	case err := <-done:
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Errorf("serveHTTP on a taken port: %v, want the listen error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveHTTP on a taken port did not return")
	}
	if !ended.Load() {
		t.Error("serveHTTP returned before its loop ended")
	}
}
