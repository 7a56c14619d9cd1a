package trackpage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

const (
	// defaultKeepAlive is how often an idle stream sends a comment: well
	// under the 30-60 s after which proxies and load balancers commonly
	// drop a silent connection.
	defaultKeepAlive = 20 * time.Second
	// retryMillis is the SSE retry: the browser reconnects this long after
	// the stream drops, which also paces reconnects after a failed lookup.
	retryMillis = 5000
	// fullRetryAfter is the Retry-After, in seconds, of a stream refused
	// because too many are open: they end when their viewers leave.
	fullRetryAfter = "30"
	// writeTimeout bounds one write to a client that stopped reading, so
	// a dead connection does not hold a subscription forever. It also lets
	// the stream outlive a server-wide WriteTimeout.
	writeTimeout = 10 * time.Second
)

// serveEvents streams the page's main section as Server-Sent Events: one
// "update" event on connect and one after every change of the order, with
// a keep-alive comment while nothing happens. It ends when the client
// goes away, the subscription ends, or the order can no longer be read;
// in the last two cases the browser reconnects after retry: and starts
// afresh.
//
// Status codes follow what EventSource does with them: 404 for an unknown
// token, 204 when live updates are off and 429 when too many streams are
// open make it stop for good (the page itself stays complete); a failing
// store answers an empty 200 stream, so it tries again later.
func (p *Page) serveEvents(w http.ResponseWriter, r *http.Request) {
	privateHeaders(w.Header())
	ctx := r.Context()
	v, err := p.lookup(ctx, r.PathValue("token"))
	switch {
	case errors.Is(err, ErrNotFound):
		http.Error(w, "unknown tracking link", http.StatusNotFound)
		return
	case err != nil:
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "retry: %d\n\n", retryMillis)
		return
	case p.Updates == nil:
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method == http.MethodHead: // headers only; a stream would never end
		w.Header().Set("Content-Type", "text/event-stream")
		return
	}
	if p.Streams != nil {
		release, ok := p.Streams.Open(v.OrderID)
		if !ok {
			w.Header().Set("Retry-After", fullRetryAfter)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(tooManyStreams))
			return
		}
		defer release() // every return below, the client going away (ctx ends) included
	}
	changes, unsubscribe := p.Updates.Subscribe(ctx, v.OrderID)
	defer unsubscribe()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	s := stream{w: w, rc: http.NewResponseController(w)}

	// The first event is read after subscribing, so a change made between
	// the lookup above and the subscription is not missed.
	if !p.update(ctx, &s, r.PathValue("token"), fmt.Sprintf("retry: %d\n", retryMillis)) {
		return
	}
	tick := time.NewTicker(p.keepAliveEvery())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok || !p.update(ctx, &s, r.PathValue("token"), "") {
				return
			}
		case <-tick.C:
			if s.send([]byte(": keep-alive\n\n")) != nil {
				return
			}
		}
	}
}

// tooManyStreams is the 429 body, in the server's error shape.
const tooManyStreams = `{"error":{"code":"too_many_streams","message":"too many live views of this order are open; the page still shows its state when reloaded"}}` + "\n"

// update sends the order's main section unless it is what the client
// already has (a change the page does not show, such as a staff note). It
// reports whether the stream should go on.
func (p *Page) update(ctx context.Context, s *stream, token, prefix string) bool {
	v, err := p.lookup(ctx, token)
	if err != nil {
		return false
	}
	html, err := renderMain(v, p.now(), p.Carriers)
	if err != nil {
		p.logger().ErrorContext(ctx, "trackpage: render update", "order_id", v.OrderID, "err", err)
		return false
	}
	if s.last != nil && bytes.Equal(html, s.last) {
		return true
	}
	s.last = html
	return s.send(event(prefix, "update", html)) == nil
}

// stream is one client's events connection.
type stream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	last []byte // the main section last sent
}

// send writes b and flushes it to the client at once.
func (s *stream) send(b []byte) error {
	// Not every ResponseWriter supports deadlines (httptest's recorder does
	// not); the stream works without one.
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// event encodes an SSE event named name carrying data, after the fields in
// prefix. Every line of data gets its own "data:" field; CR and CRLF are
// turned into LF first, because SSE ends a line at a lone CR too and a CR
// inside a carrier's description must not start a field of its own.
func event(prefix, name string, data []byte) []byte {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var b bytes.Buffer
	b.WriteString(prefix)
	b.WriteString("event: " + name + "\n")
	for line := range bytes.Lines(data) {
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\n")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func (p *Page) keepAliveEvery() time.Duration {
	if p.keepAlive > 0 {
		return p.keepAlive
	}
	return defaultKeepAlive
}
