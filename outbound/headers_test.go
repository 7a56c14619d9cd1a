package outbound

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestCheckHeaderRefusesWhatWouldBreakTheRequest(t *testing.T) {
	ok := map[string]string{
		"Authorization":  "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
		"X-Api-Key":      "k 1~!",
		"x-tenant_id.v2": "acme",
	}
	for name, v := range ok {
		if err := CheckHeader(name, v); err != nil {
			t.Errorf("CheckHeader(%q, %q) = %v", name, v, err)
		}
	}
	bad := []struct{ name, value string }{
		{"", "x"},
		{"X Api", "x"},
		{"X-Api:", "x"},
		{"X-\u00e9", "x"},
		{"X-Api\r\nHost", "x"},
		{strings.Repeat("a", maxHeaderNameLen+1), "x"},
		{"webhook-signature", "v1,forged"},
		{"Webhook-Id", "evt_1"},
		{"svix-id", "x"},
		{"Content-Type", "text/plain"},
		{"CONTENT-LENGTH", "0"},
		{"Content-Encoding", "gzip"},
		{"Host", "evil.example"},
		{"Transfer-Encoding", "chunked"},
		{"Connection", "close"},
		{"Keep-Alive", "timeout=5"},
		{"TE", "trailers"},
		{"Trailer", "X"},
		{"Upgrade", "websocket"},
		{"Proxy-Authorization", "Basic x"},
		{"Expect", "100-continue"},
		{"User-Agent", "me"},
		{"Accept-Encoding", "gzip"},
		{"X-Ok", ""},
		{"X-Ok", " padded"},
		{"X-Ok", "padded "},
		{"X-Ok", "a\x00b"},
		{"X-Ok", "a\r\nX-Injected: 1"},
		{"X-Ok", "tab\there"},
		{"X-Ok", "\x7f"},
		{"X-Ok", "caf\u00e9"},
		{"X-Ok", strings.Repeat("v", maxHeaderValueLen+1)},
	}
	for _, b := range bad {
		err := CheckHeader(b.name, b.value)
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Errorf("CheckHeader(%q, %q) = %v, want a *HeaderError", b.name, b.value, err)
			continue
		}
		if len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\r\n\x00") {
			t.Errorf("CheckHeader(%q, ...) says %q", b.name, err)
		}
	}
}

func TestCheckHeadersCapsTheSet(t *testing.T) {
	many := Headers{}
	for i := range maxHeaders + 1 {
		many["X-H"+strings.Repeat("i", i+1)] = "v"
	}
	big := Headers{"X-A": strings.Repeat("a", maxHeaderValueLen), "X-B": strings.Repeat("b", maxHeaderValueLen), "X-C": "c"}
	for name, h := range map[string]Headers{"count": many, "size": big, "case": {"X-Key": "a", "x-key": "b"}} {
		if err := CheckHeaders(h); err == nil {
			t.Errorf("%s: CheckHeaders accepted %d headers", name, len(h))
		}
	}
	if err := CheckHeaders(Headers{"Authorization": "Bearer x", "X-Tenant": "acme"}); err != nil {
		t.Error(err)
	}
}

func TestMergeIsAMergePatch(t *testing.T) {
	v := func(s string) *string { return &s }
	cur := Headers{"Authorization": "Bearer old", "X-Tenant": "acme", "X-Drop": "1"}
	got := cur.Merge(map[string]*string{"authorization": v("Bearer new"), "x-drop": nil, "X-New": v("n")})
	want := Headers{"authorization": "Bearer new", "X-Tenant": "acme", "X-New": "n"}
	if len(got) != len(want) {
		t.Fatalf("merge = %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Fatalf("merge = %v, want %v", got, want)
		}
	}
	if cur["Authorization"] != "Bearer old" || len(cur) != 3 {
		t.Errorf("merge changed its receiver: %v", cur)
	}
}

func TestMaskedShowsNoValue(t *testing.T) {
	h := Headers{"Authorization": "Bearer 0123456789abcdef", "X-Short": "secret", "X-Two": "ab"}
	m := h.Masked()
	if m["Authorization"] != "Be********" || m["X-Short"] != "********" || m["X-Two"] != "********" {
		t.Errorf("masked = %v", m)
	}
}

// FuzzHeaders: a header CheckHeader accepts is one net/http writes as exactly one header line
// that reads back as the same name and value, and is none shipflow sets itself; a refusal is
// short and holds no raw control byte.
func FuzzHeaders(f *testing.F) {
	for _, s := range [][2]string{{"Authorization", "Bearer x"}, {"X-Api-Key", "k"}, {"webhook-id", "x"}, {"Content-Type", "a"},
		{"X-A", "a\r\nb: c"}, {"X-A\r\n", "b"}, {"X-A", "\x00"}, {"Host", "h"}, {"X-A", " b"}, {"", ""}, {"X-\xff", "\xff"},
		{"Transfer-Encoding", "chunked"}, {"PROXY-CONNECTION", "close"}, {"X-A", strings.Repeat("b", 5000)}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		err := CheckHeader(name, value)
		if err != nil {
			if len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		if reserved(name) || strings.HasPrefix(strings.ToLower(name), "webhook-") {
			t.Fatalf("reserved header %q accepted", name)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://receiver.example/hooks", strings.NewReader("{}"))
		Headers{name: value}.set(req.Header)
		var buf bytes.Buffer
		if err := req.Write(&buf); err != nil {
			t.Fatalf("writing a request with %q: %q: %v", name, value, err)
		}
		back, err := http.ReadRequest(bufio.NewReader(&buf))
		if err != nil {
			t.Fatalf("reading back a request with %q: %q: %v", name, value, err)
		}
		if got := back.Header.Values(name); len(got) != 1 || got[0] != value {
			t.Fatalf("%q: %q read back as %q", name, value, got)
		}
		// Nothing else came with it: the host, the body's length, and net/http's User-Agent and
		// Content-Length beside the one header.
		if back.Host != "receiver.example" || back.ContentLength != 2 || len(back.Header) != 3 {
			t.Fatalf("%q: %q changed the request: host %q, length %d, headers %v", name, value, back.Host, back.ContentLength, back.Header)
		}
	})
}
