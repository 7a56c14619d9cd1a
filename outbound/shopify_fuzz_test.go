package outbound

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClassifyShopify checks that any answer a shop (or something posing as one) gives is
// classified without panicking, that only a 2xx without errors is delivered, and that a
// throttled answer never asks for more than maxThrottleWait.
func FuzzClassifyShopify(f *testing.F) {
	f.Add(200, `{"data":{"x":1},"extensions":{"cost":{"requestedQueryCost":3}}}`)
	f.Add(200, `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}}`)
	f.Add(200, `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":1e308,"throttleStatus":{"currentlyAvailable":-1e308,"restoreRate":1e-308}}}}`)
	f.Add(200, `{"errors":[{"message":"x","extensions":{"code":"ACCESS_DENIED"}}]}`)
	f.Add(401, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
	f.Add(200, `{"errors":{"query":"bad"}}`)
	f.Add(402, `{"errors":"Unavailable Shop"}`)
	f.Add(200, "\x00\xff")
	f.Fuzz(func(t *testing.T, status int, body string) {
		in := Result{Status: status, Body: body, Outcome: Delivered}
		if status < 200 || status > 299 {
			in.Outcome = Failed
		}
		var out struct {
			X int `json:"x"`
		}
		r := classifyShopify(in, &out)
		if r.Outcome == Delivered && (in.Outcome != Delivered || strings.Contains(body, `"THROTTLED"`) && strings.Contains(body, `"errors":[`)) {
			t.Fatalf("delivered: %d %q -> %+v", status, body, r)
		}
		if r.RetryAfter < 0 || r.RetryAfter > maxThrottleWait {
			t.Fatalf("retry after %s", r.RetryAfter)
		}
		if !utf8.ValidString(r.Err) && utf8.ValidString(body) {
			t.Fatalf("error text %q", r.Err)
		}
	})
}

// FuzzCheckShopify checks that the connector's check never panics and accepts only a shop's
// admin base or a stand-in's address, and a token of the documented form.
func FuzzCheckShopify(f *testing.F) {
	f.Add("https://acme.myshopify.com", shopToken, "")
	f.Add("http://127.0.0.1:8080/", shopToken, "2026-10")
	f.Add("https://acme.myshopify.com.evil.com", "shpat_"+strings.Repeat("a", 200), "2026-13")
	f.Add("https://acme.myshopify.com#x", "shp\x00t_0123456789abcdef", "+026-01")
	f.Fuzz(func(t *testing.T, url, token, version string) {
		creds := map[string]string{shopifyAccessToken: token}
		if version != "" {
			creds[shopifyAPIVersion] = version
		}
		if checkShopify(url, creds) != nil {
			return
		}
		host, err := shopifyBase(url)
		if err != nil || !(strings.HasSuffix(host, shopifyHostSuffix) || standInHost(host)) {
			t.Fatalf("accepted %q (host %q)", url, host)
		}
		if len(token) > len("shpat_")+maxShopifyToken || strings.ContainsAny(token, "\x00\r\n /") {
			t.Fatalf("accepted token %q", token)
		}
	})
}
