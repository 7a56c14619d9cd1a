package track_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shipflow/shipflow/track"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 7, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"120"}}, 2 * time.Minute},
		{"spaces", http.Header{"Retry-After": {" 3 "}}, 3 * time.Second},
		{"http date", http.Header{"Retry-After": {now.Add(45 * time.Second).Format(http.TimeFormat)}}, 45 * time.Second},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"huge", http.Header{"Retry-After": {"99999999999"}}, 24 * time.Hour},
		{"rate limit reset", http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Add(2*time.Second).Unix(), 10)}}, 2 * time.Second},
		{"retry-after wins", http.Header{"Retry-After": {"9"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+1, 10)}}, 9 * time.Second},
		{"none", http.Header{}, 0},
	} {
		if got := track.RetryAfter(tc.header, now); got != tc.want {
			t.Errorf("%s: RetryAfter = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	h := http.Header{"Retry-After": {"4"}}
	for _, tc := range []struct {
		status               int
		permanent, ratelimit bool
		notFound, auth       bool
	}{
		{400, true, false, false, false},
		{401, true, false, false, true},
		{403, true, false, false, true},
		{404, true, false, true, false},
		{408, false, false, false, false},
		{409, false, false, false, false},
		{410, true, false, true, false},
		{422, true, false, false, false},
		{429, false, true, false, false},
		{500, false, false, false, false},
		{502, false, false, false, false},
		{503, false, false, false, false},
	} {
		apiErr := &track.APIError{Provider: "p", Status: tc.status}
		err := track.Classify(apiErr, tc.status, h, time.Now())
		var rl *track.RateLimitError
		if got := track.IsPermanent(err); got != tc.permanent {
			t.Errorf("%d: permanent %v, want %v", tc.status, got, tc.permanent)
		}
		if got := errors.As(err, &rl); got != tc.ratelimit || (got && rl.RetryAfter != 4*time.Second) {
			t.Errorf("%d: rate limit %v (%v), want %v after 4s", tc.status, got, rl, tc.ratelimit)
		}
		if got := errors.Is(err, track.ErrNotFound); got != tc.notFound {
			t.Errorf("%d: not found %v, want %v", tc.status, got, tc.notFound)
		}
		if got := errors.Is(err, track.ErrUnauthorized); got != tc.auth {
			t.Errorf("%d: unauthorized %v, want %v", tc.status, got, tc.auth)
		}
		if !errors.As(err, new(*track.APIError)) {
			t.Errorf("%d: %v does not wrap the *APIError", tc.status, err)
		}
	}
}

func TestAPIErrorText(t *testing.T) {
	e := &track.APIError{Provider: "easypost", Status: 422, Code: "TRACKER.CREATE.ERROR", Message: "not recognised"}
	if got, want := e.Error(), "easypost: HTTP 422 TRACKER.CREATE.ERROR: not recognised"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&track.APIError{Provider: "shipengine", Status: 502}).Error(), "shipengine: HTTP 502"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestDoClipsMessages checks that a provider's long error text is cut at a
// character boundary, so that a log line stays short and valid UTF-8.
func TestDoClipsMessages(t *testing.T) {
	long := strings.Repeat("ė", 500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(long))
	}))
	defer srv.Close()
	req, err := track.NewRequest(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = track.Do(srv.Client(), req, "p", func(b []byte) (string, string) { return "", string(b) })
	var apiErr *track.APIError
	if !errors.As(err, &apiErr) || !track.IsPermanent(err) {
		t.Fatalf("error %v: want a permanent *APIError", err)
	}
	if !utf8.ValidString(apiErr.Message) || len(apiErr.Message) > 204 || !strings.HasSuffix(apiErr.Message, "…") {
		t.Errorf("message %q (%d bytes) is not clipped cleanly", apiErr.Message, len(apiErr.Message))
	}
}
