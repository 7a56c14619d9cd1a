package egress

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"testing"
)

// The DNS rebinding test runs a real, if tiny, DNS server: every A query
// for any name gets the next address of a script, the last one repeating.
// A net.Resolver whose Dial goes to that server is given to the client as
// Policy.Resolver, so the client resolves the name through Go's ordinary
// resolver and dialer, and the guard sees whatever address the dialer is
// about to connect to. Scripting "public, then 127.0.0.1" is exactly what
// an attacker's name server does (with a TTL of zero), and it is
// deterministic: the first A query is the test's own save-time lookup,
// the second is the client's.

// rebinder is a one-zone DNS server on a local UDP port.
type rebinder struct {
	pc     net.PacketConn
	mu     sync.Mutex
	script []netip.Addr
	asked  int // A queries answered
}

func startRebinder(t *testing.T, script ...netip.Addr) *rebinder {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rebinder{pc: pc, script: script}
	t.Cleanup(func() { pc.Close() })
	go r.serve()
	return r
}

// resolver returns a pure-Go resolver that asks only r, whatever
// /etc/resolv.conf says.
func (r *rebinder) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", r.pc.LocalAddr().String())
		},
	}
}

func (r *rebinder) queries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked
}

func (r *rebinder) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp := r.answer(buf[:n]); resp != nil {
			r.pc.WriteTo(resp, from)
		}
	}
}

// answer builds the response to one query (RFC 1035 section 4): the
// header with the query's id, the question echoed, and for an A query one
// answer record. Other types (AAAA) get an empty answer: the name exists
// but has no such record.
func (r *rebinder) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	end := 12 // the question's name is labels up to a zero byte
	for end < len(q) && q[end] != 0 {
		end += int(q[end]) + 1
	}
	end += 1 + 4 // the zero byte, QTYPE and QCLASS
	if end > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[end-4:])

	resp := make([]byte, 12, 64)
	copy(resp, q[:2])                                     // ID
	flags := 0x8000 | 0x0400 | 0x0080                     // QR (response), AA, RA; RCODE 0
	flags |= int(binary.BigEndian.Uint16(q[2:])) & 0x0100 // echo RD
	binary.BigEndian.PutUint16(resp[2:], uint16(flags))
	binary.BigEndian.PutUint16(resp[4:], 1) // QDCOUNT
	resp = append(resp, q[12:end]...)
	if qtype == 1 { // A
		binary.BigEndian.PutUint16(resp[6:], 1) // ANCOUNT
		resp = append(resp,
			0xc0, 12, // name: pointer to the question's
			0, 1, // TYPE A
			0, 1, // CLASS IN
			0, 0, 0, 0, // TTL 0: do not cache, ask again next time
			0, 4, // RDLENGTH
		)
		a := r.next().As4()
		resp = append(resp, a[:]...)
	}
	return resp
}

func (r *rebinder) next() netip.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.script[min(r.asked, len(r.script)-1)]
	r.asked++
	return a
}

func TestClientRefusesRebinding(t *testing.T) {
	srv, hits := server(t, func(w http.ResponseWriter, r *http.Request) {})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	const host = "hooks.rebind.test"
	hook := "http://" + net.JoinHostPort(host, port) + "/hook"

	// 93.184.215.14 stands for any public address the attacker shows
	// first; it is only ever looked up, never connected to.
	dns := startRebinder(t, netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("127.0.0.1"))
	p := Policy{AllowHTTP: true, Resolver: dns.resolver()}

	// Save time: the URL passes CheckURL, and even a check that resolved
	// the name would have seen only a public address.
	if err := CheckURL(hook, p); err != nil {
		t.Fatalf("CheckURL(%s) = %v, want nil", hook, err)
	}
	addrs, err := p.Resolver.LookupNetIP(context.Background(), "ip4", host)
	if err != nil || len(addrs) != 1 || refusal(addrs[0], nil) != "" {
		t.Fatalf("save-time lookup = %v, %v; want one public address", addrs, err)
	}

	// Send time: the name now resolves to 127.0.0.1, and the dialer
	// refuses to connect there.
	_, err = NewClient(p).Get(hook)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("Get(%s) after rebinding = %v, want ErrForbiddenAddress", hook, err)
	}
	var uerr *url.Error
	if !errors.As(err, &uerr) {
		t.Errorf("error %T is not a *url.Error", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	if n := dns.queries(); n != 2 {
		t.Errorf("DNS server answered %d A queries, want 2 (save time, send time)", n)
	}

	// Control: with loopback allowed, the same script delivers to the
	// local server, which shows the refusal above was the guard judging the
	// rebound address, not a resolution or connection failure.
	dns = startRebinder(t, netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("127.0.0.1"))
	p = Policy{AllowHTTP: true, Allowed: allowLoopback, Resolver: dns.resolver()}
	if _, err := p.Resolver.LookupNetIP(context.Background(), "ip4", host); err != nil {
		t.Fatal(err)
	}
	resp, err := NewClient(p).Get(hook)
	if err != nil {
		t.Fatalf("Get(%s) with 127.0.0.0/8 allowed = %v", hook, err)
	}
	resp.Body.Close()
	if n := hits.Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}
