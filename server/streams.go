package server

import (
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Kinds of live stream, each counted against its own caps: staff dashboards on the order API
// keep working while the public fills the tracking page's.
const (
	streamOrderAPI     = "order_api"
	streamTrackingPage = "tracking_page"
)

// streamRetryAfter is the Retry-After of a refused stream, in seconds: streams end when their
// viewers leave, which takes minutes rather than seconds.
const streamRetryAfter = 30

var (
	errOrderStreamsFull   = errors.New("too many live streams of this order")
	errProcessStreamsFull = errors.New("too many live streams on this server")
)

// streamSlots admits live streams (Server-Sent Events) up to a cap per order and a cap for the
// process: each open stream holds a connection, a goroutine and a subscription for as long as
// the client keeps it open, so without a cap a few clients could hold them all.
type streamSlots struct {
	perOrder, total int
	gauge           prometheus.Gauge

	mu      sync.Mutex
	open    int
	byOrder map[string]int // only orders with a stream open, so never more than total
}

func newStreamSlots(perOrder, total int, gauge prometheus.Gauge) *streamSlots {
	return &streamSlots{perOrder: perOrder, total: total, gauge: gauge, byOrder: map[string]int{}}
}

// take admits one more stream of orderID. The returned func gives the slot back; it must be
// called when the stream ends, and calling it again does nothing.
func (s *streamSlots) take(orderID string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.byOrder[orderID] >= s.perOrder:
		return nil, errOrderStreamsFull
	case s.open >= s.total:
		return nil, errProcessStreamsFull
	}
	s.byOrder[orderID]++
	s.open++
	s.gauge.Inc()
	var once sync.Once
	return func() { once.Do(func() { s.release(orderID) }) }, nil
}

func (s *streamSlots) release(orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byOrder[orderID]--; s.byOrder[orderID] <= 0 {
		delete(s.byOrder, orderID)
	}
	s.open--
	s.gauge.Dec()
}

// Open is take for the tracking page (trackpage.Streams).
func (s *streamSlots) Open(orderID string) (func(), bool) {
	release, err := s.take(orderID)
	return release, err == nil
}

// streamsFull is the 429 of a refused stream.
func streamsFull(h http.Header, err error) error {
	h.Set("Retry-After", strconv.Itoa(streamRetryAfter))
	return errorf(http.StatusTooManyRequests, codeTooManyStreams, "%v; retry later", err)
}
