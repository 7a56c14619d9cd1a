package config

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/shipflow/shipflow/notify/sendgrid"
	"github.com/shipflow/shipflow/order"
)

func load(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	return Load("test", args, func(k string) string { return env[k] })
}

func TestDefaultsWorkOnADeveloperMachine(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.Temporal.Address != "127.0.0.1:7233" || c.Temporal.Namespace != "default" || c.Temporal.TaskQueue != "shipflow" {
		t.Errorf("defaults: %+v", c)
	}
	if c.DatabaseURL != "postgres://postgres@127.0.0.1:5432/shipflow?sslmode=disable" {
		t.Errorf("database default = %s", c.DatabaseURL)
	}
	if c.VoiceDeadline != 800*time.Millisecond || c.PollInterval != 30*time.Minute || c.StaleAfter != 48*time.Hour {
		t.Errorf("duration defaults: %v %v %v", c.VoiceDeadline, c.PollInterval, c.StaleAfter)
	}
	if c.Twilio.APIURL != "https://api.twilio.com" || c.SendGrid.APIURL != "https://api.sendgrid.com" {
		t.Errorf("provider URL defaults: %s %s", c.Twilio.APIURL, c.SendGrid.APIURL)
	}
	if c.DataDir != ".data" || c.TemporalUIPort != 8233 {
		t.Errorf("dev defaults: %s %d", c.DataDir, c.TemporalUIPort)
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	c, err := load(t, map[string]string{"SHIPFLOW_HTTP_ADDR": ":9000", "SHIPFLOW_VOICE_DEADLINE": "1s"}, "-http-addr", ":9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9100" {
		t.Errorf("http addr = %s, want the flag's", c.HTTPAddr)
	}
	if c.VoiceDeadline != time.Second {
		t.Errorf("voice deadline = %v, want the environment's", c.VoiceDeadline)
	}
}

func TestListsAreSplitAndTrimmed(t *testing.T) {
	c, err := load(t, map[string]string{
		"SHIPFLOW_ADMIN_TOKENS":          " a ,b,, c",
		"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "10.0.0.0/8, 127.0.0.1/32",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AdminTokens, "|") != "a|b|c" {
		t.Errorf("tokens = %q", c.AdminTokens)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	if len(c.WebhookAllowedCIDRs) != 2 || c.WebhookAllowedCIDRs[0] != want[0] || c.WebhookAllowedCIDRs[1] != want[1] {
		t.Errorf("cidrs = %v", c.WebhookAllowedCIDRs)
	}
}

func TestSecretsHaveNoFlags(t *testing.T) {
	if _, err := load(t, nil, "-sendgrid-api-key", "x"); err == nil {
		t.Error("a secret was accepted as a flag; secrets belong in the environment only")
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"SHIPFLOW_POLL_INTERVAL": "5x"}, want: `SHIPFLOW_POLL_INTERVAL (-poll-interval): "5x" is not a duration`},
		{env: map[string]string{"SHIPFLOW_STALE_AFTER": "0s"}, want: "SHIPFLOW_STALE_AFTER (-stale-after): \"0s\" must be positive"},
		{args: []string{"-late-grace", "soon"}, want: "SHIPFLOW_LATE_GRACE (-late-grace)"},
		{env: map[string]string{"DATABASE_URL": "postgres://u:secret@[::1"}, want: "DATABASE_URL (-database-url): cannot be parsed"},
		{env: map[string]string{"TEMPORAL_ADDRESS": "localhost"}, want: `TEMPORAL_ADDRESS (-temporal-address): "localhost" is not host:port`},
		{env: map[string]string{"SHIPFLOW_TEMPORAL_UI_PORT": "99999"}, want: "SHIPFLOW_TEMPORAL_UI_PORT"},
		{env: map[string]string{"TWILIO_API_URL": "ftp://x"}, want: `TWILIO_API_URL (-twilio-api-url): "ftp://x" is not an http(s) URL`},
		{env: map[string]string{"SHIPFLOW_CARRIER_WEBHOOK_SECRET": "whsec_!!"}, want: "SHIPFLOW_CARRIER_WEBHOOK_SECRET: the part after whsec_ is not valid base64"},
		{env: map[string]string{"SHIPFLOW_WEBHOOK_ALLOWED_CIDRS": "10.0.0.0"}, want: "is not a CIDR"},
		{env: map[string]string{"SHIPFLOW_LOG_LEVEL": "loud"}, want: "SHIPFLOW_LOG_LEVEL"},
		{env: map[string]string{"TEMPORAL_NAMESPACE": " "}, want: "TEMPORAL_NAMESPACE (-temporal-namespace): must not be empty"},
		{env: map[string]string{"SHIPFLOW_NOTIFY_MILESTONES": "in_transit,-shipped"}, want: `SHIPFLOW_NOTIFY_MILESTONES (-notify-milestones): "-shipped" is not a milestone that can be switched`},
		{env: map[string]string{"SHIPFLOW_NOTIFY_MILESTONES": "packed\x00"}, want: "SHIPFLOW_NOTIFY_MILESTONES"},
		{env: map[string]string{"SHIPFLOW_NOTIFY_MILESTONES": strings.Repeat("packed,", 40)}, want: "longer than 256"},
		{env: map[string]string{"SHIPFLOW_RETURN_WATCH": "10000h"}, want: `SHIPFLOW_RETURN_WATCH (-return-watch): "10000h" is more than`},
	}
	for _, tt := range tests {
		_, err := load(t, tt.env, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("env %v args %v: error = %v, want it to contain %q", tt.env, tt.args, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), "u:secret") {
			t.Errorf("error leaks the database password: %v", err)
		}
	}
}

func TestStandardWebhooksSecretIsAccepted(t *testing.T) {
	c, err := load(t, map[string]string{"SHIPFLOW_COMMERCE_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CommerceWebhookSecret != "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" {
		t.Errorf("secret = %q", c.CommerceWebhookSecret)
	}
}

func TestProvidersWithoutCredentialsAreOff(t *testing.T) {
	c, err := load(t, map[string]string{
		"SENDGRID_API_KEY": "SG.x", "SENDGRID_FROM": "shop@example.com", "SHIPFLOW_TRACKING_SECRET": "s",
		"TWILIO_ACCOUNT_SID": "AC1", // no token: still off
		"SLACK_WEBHOOK_URL":  "https://hooks.slack.com/services/x",
	})
	if err != nil {
		t.Fatal(err)
	}
	on := map[string]bool{}
	for _, p := range c.Providers() {
		on[p.Name] = p.On
		if !p.On && p.Need == "" {
			t.Errorf("%s is off without saying what to set", p.Name)
		}
	}
	want := map[string]bool{"sendgrid": true, "slack": true, "twilio": false, "zendesk": false, "freshdesk": false, "aftership": false}
	for name, w := range want {
		if on[name] != w {
			t.Errorf("%s on = %v, want %v", name, on[name], w)
		}
	}
}

// TestFreshdesk checks Freshdesk's settings: on with an account, a key and a requester, never
// over a complete Zendesk, and its domain and requester refused unless well-formed.
func TestFreshdesk(t *testing.T) {
	fd := map[string]string{"FRESHDESK_DOMAIN": "acme", "FRESHDESK_API_KEY": "k", "FRESHDESK_REQUESTER_EMAIL": "ops@shop.example"}
	c, err := load(t, fd)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Freshdesk.On() || !c.TicketsOn() || c.ZendeskOn() {
		t.Errorf("freshdesk on %v, tickets on %v, zendesk on %v; want Freshdesk alone", c.Freshdesk.On(), c.TicketsOn(), c.ZendeskOn())
	}
	for name, env := range map[string]map[string]string{
		"domain with a dot":   {"FRESHDESK_DOMAIN": "evil.example/x"},
		"upper case domain":   {"FRESHDESK_DOMAIN": "Acme"},
		"long domain":         {"FRESHDESK_DOMAIN": strings.Repeat("a", 64)},
		"requester with name": {"FRESHDESK_REQUESTER_EMAIL": "Ops <ops@shop.example>"},
		"requester with NUL":  {"FRESHDESK_REQUESTER_EMAIL": "ops@shop.example\x00"},
		"not a URL":           {"FRESHDESK_URL": "freshdesk"},
	} {
		if _, err := load(t, env); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestZendeskPublicComments: off by default, on with Zendesk, refused at start without it.
func TestZendeskPublicComments(t *testing.T) {
	zd := map[string]string{"ZENDESK_URL": "https://acme.zendesk.com", "ZENDESK_EMAIL": "ops@shop.example", "ZENDESK_API_TOKEN": "t"}
	c, err := load(t, zd)
	if err != nil || c.Zendesk.PublicComments {
		t.Fatalf("default: %+v, %v; want off", c, err)
	}
	zd["ZENDESK_PUBLIC_COMMENTS"] = "true"
	if c, err = load(t, zd); err != nil || !c.Zendesk.PublicComments {
		t.Fatalf("on with Zendesk: %v", err)
	}
	if _, err := load(t, map[string]string{"ZENDESK_PUBLIC_COMMENTS": "true"}); err == nil || !strings.Contains(err.Error(), "ZENDESK_PUBLIC_COMMENTS") {
		t.Errorf("on without Zendesk: %v, want refused naming the variable", err)
	}
	if _, err := load(t, map[string]string{"ZENDESK_PUBLIC_COMMENTS": "maybe"}); err == nil {
		t.Error("ZENDESK_PUBLIC_COMMENTS=maybe accepted")
	}
}

func TestRotationSecrets(t *testing.T) {
	c, err := load(t, map[string]string{
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET":          "whsec_bmV3LXNlY3JldA==",
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET_PREVIOUS": "whsec_b2xkLXNlY3JldA==",
		"WOOCOMMERCE_WEBHOOK_SECRET":                "new, with a comma",
		"WOOCOMMERCE_WEBHOOK_SECRET_PREVIOUS":       "old secret, also",
		"TWILIO_AUTH_TOKEN":                         "newtoken",
		"TWILIO_AUTH_TOKEN_PREVIOUS":                "oldtoken",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := Secrets(c.CommerceWebhookSecret, c.Previous.Commerce); strings.Join(got, "|") != "whsec_bmV3LXNlY3JldA==|whsec_b2xkLXNlY3JldA==" {
		t.Errorf("commerce secrets = %q", got)
	}
	// A secret is taken whole: commas and spaces are part of it.
	if got := Secrets(c.WooCommerceWebhookSecret, c.Previous.WooCommerce); len(got) != 2 || got[0] != "new, with a comma" || got[1] != "old secret, also" {
		t.Errorf("woocommerce secrets = %q", got)
	}
	if got := Secrets(c.Twilio.AuthToken, c.Previous.TwilioAuthToken); strings.Join(got, "|") != "newtoken|oldtoken" {
		t.Errorf("twilio tokens = %q", got)
	}
	if got := Secrets("same", "same"); len(got) != 1 {
		t.Errorf("Secrets(same, same) = %q", got)
	}
	if got := Secrets("", ""); got != nil {
		t.Errorf("Secrets of an off source = %q", got)
	}

	for env, want := range map[string]string{
		"SHOPIFY_WEBHOOK_SECRET_PREVIOUS":           "SHOPIFY_WEBHOOK_SECRET_PREVIOUS: is set but SHOPIFY_WEBHOOK_SECRET is not",
		"TWILIO_AUTH_TOKEN_PREVIOUS":                "TWILIO_AUTH_TOKEN_PREVIOUS: is set but TWILIO_AUTH_TOKEN is not",
		"SHIPFLOW_CARRIER_WEBHOOK_SECRET_PREVIOUS":  "SHIPFLOW_CARRIER_WEBHOOK_SECRET_PREVIOUS: must start with whsec_",
		"SHIPFLOW_COMMERCE_WEBHOOK_SECRET_PREVIOUS": "SHIPFLOW_COMMERCE_WEBHOOK_SECRET_PREVIOUS: must start with whsec_",
	} {
		_, err := load(t, map[string]string{env: "old"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s alone: err = %v, want %q", env, err, want)
		}
	}
}

func TestRateLimits(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.Track != (RateLimit{20, 40}) || c.Limits.Voice != (RateLimit{50, 100}) || c.Limits.Readyz != (RateLimit{10, 20}) {
		t.Errorf("rate limit defaults: %+v", c.Limits)
	}
	if c.Limits.StreamsPerOrder != 20 || c.Limits.Streams != 1000 || len(c.Limits.TrustedProxies) != 0 {
		t.Errorf("stream and proxy defaults: %+v", c.Limits)
	}
	for v, want := range map[string]RateLimit{"off": {}, "OFF": {}, "5": {5, 5}, "0.5": {0.5, 1}, "2.5:10": {2.5, 10}, " 3 : 4 ": {3, 4}} {
		c, err := load(t, map[string]string{"SHIPFLOW_RATE_LIMIT_VOICE": v})
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if c.Limits.Voice != want {
			t.Errorf("%q = %+v, want %+v", v, c.Limits.Voice, want)
		}
	}
	for _, v := range []string{"0", "-1", "NaN", "Inf", "1e9", "5:0", "5:-2", "5:x", "five", "5:1.5", ":5"} {
		if _, err := load(t, map[string]string{"SHIPFLOW_RATE_LIMIT_TRACK": v}); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_RATE_LIMIT_TRACK") {
			t.Errorf("%q: %v, want an error naming the setting", v, err)
		}
	}
	for _, v := range []string{"0", "-1", "x", "2000000"} {
		if _, err := load(t, map[string]string{"SHIPFLOW_STREAMS_PER_ORDER": v}); err == nil {
			t.Errorf("streams per order %q accepted", v)
		}
	}
}

func TestShipEngineWebhooksAreOffByDefault(t *testing.T) {
	for _, v := range []string{"", "off", "OFF"} {
		c, err := load(t, map[string]string{"SHIPENGINE_WEBHOOK_KEYS_URL": v})
		if err != nil || c.ShipEngineKeysURL != "" {
			t.Errorf("%q: keys URL %q, err %v; want off", v, c.ShipEngineKeysURL, err)
		}
	}
	for _, v := range []string{"https://api.shipengine.com/jwks", "http://127.0.0.1:8099/jwks", "http://localhost/jwks", "http://[::1]:9/jwks"} {
		c, err := load(t, map[string]string{"SHIPENGINE_WEBHOOK_KEYS_URL": v})
		if err != nil || c.ShipEngineKeysURL != v {
			t.Errorf("%q: keys URL %q, err %v", v, c.ShipEngineKeysURL, err)
		}
	}
	for _, v := range []string{"http://api.shipengine.com/jwks", "http://10.0.0.1/jwks", "http://localhost.evil.example/jwks", "ftp://localhost/jwks", "https:///jwks", "api.shipengine.com/jwks"} {
		_, err := load(t, map[string]string{"SHIPENGINE_WEBHOOK_KEYS_URL": v})
		if err == nil || !strings.Contains(err.Error(), "SHIPENGINE_WEBHOOK_KEYS_URL") {
			t.Errorf("%q: err = %v, want a refusal naming the setting", v, err)
		}
	}
}

// FuzzRateLimit: a rate limit setting either stops the start-up or is one the limiter can use.
func FuzzRateLimit(f *testing.F) {
	for _, s := range []string{"off", "20:40", "0.5", "0", "-1", "NaN", "Inf", "1e9", "5:0", "5:x", ":", "1:1:1", "1e-300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var r RateLimit
		if err := rateLimit(&r)(v); err != nil {
			return
		}
		if r.Off() {
			if r != (RateLimit{}) {
				t.Fatalf("%q: off with %+v", v, r)
			}
			return
		}
		if !(r.PerSecond > 0 && r.PerSecond <= maxRate) || r.Burst < 1 || r.Burst > maxRate {
			t.Fatalf("%q parsed to %+v", v, r)
		}
	})
}

// FuzzAddr: a listen address setting either stops the start-up or is a host:port of bounded
// length without control characters.
func FuzzAddr(f *testing.F) {
	for _, s := range []string{":8080", "127.0.0.1:6060", "[::1]:9090", "localhost:0", "host", ":99999", "a\x00:80", "\n:80", strings.Repeat("a", 300) + ":80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var got string
		if err := addr(&got)(v); err != nil {
			return
		}
		if got != v || len(v) > maxAddr || strings.ContainsFunc(v, unicode.IsControl) {
			t.Fatalf("%q accepted as %q", v, got)
		}
		if _, p, err := net.SplitHostPort(v); err != nil || p == "" {
			t.Fatalf("%q accepted without a port", v)
		}
	})
}

func TestPprofAddr(t *testing.T) {
	if c, err := load(t, nil); err != nil || c.PprofAddr != "" {
		t.Fatalf("default %q, %v: want off", c.PprofAddr, err)
	}
	if c, err := load(t, map[string]string{"SHIPFLOW_PPROF_ADDR": "127.0.0.1:6060"}); err != nil || c.PprofAddr != "127.0.0.1:6060" {
		t.Fatalf("set: %q, %v", c.PprofAddr, err)
	}
	for _, v := range []string{"6060", "127.0.0.1:6060\x00", "127.0.0.1:70000", strings.Repeat("h", 300) + ":1"} {
		if _, err := load(t, map[string]string{"SHIPFLOW_PPROF_ADDR": v}); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_PPROF_ADDR") {
			t.Errorf("%q: err = %v, want a refusal naming the setting", v, err)
		}
	}
}

func TestReviewURL(t *testing.T) {
	c, err := load(t, nil)
	if err != nil || c.ReviewURL != "" {
		t.Fatalf("default review URL %q, %v: want none", c.ReviewURL, err)
	}
	const p = "https://shop.example.com/review?order={order_id}"
	if c, err := load(t, map[string]string{"SHIPFLOW_REVIEW_URL": p}); err != nil || c.ReviewURL != p {
		t.Errorf("review URL %q, %v: want %s", c.ReviewURL, err, p)
	}
	if c, err := load(t, nil, "-review-url", p); err != nil || c.ReviewURL != p {
		t.Errorf("-review-url: %q, %v", c.ReviewURL, err)
	}
	for _, bad := range []string{"shop.example.com/review", "javascript:alert(1)", "https://{order_id}.example.com/", "https://shop.example.com/{order}"} {
		_, err := load(t, map[string]string{"SHIPFLOW_REVIEW_URL": bad})
		if err == nil || !strings.HasPrefix(err.Error(), "config: SHIPFLOW_REVIEW_URL (-review-url): ") {
			t.Errorf("SHIPFLOW_REVIEW_URL=%q: error %v, want one naming the setting", bad, err)
		}
	}
}

func TestNotifyMilestones(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.NotifyMilestones, order.DefaultTell()) || c.ReturnWatch != 720*time.Hour {
		t.Errorf("defaults: %v, %s", c.NotifyMilestones, c.ReturnWatch)
	}
	c, err = load(t, map[string]string{"SHIPFLOW_NOTIFY_MILESTONES": "in_transit,-packed,-cancelled"})
	if err != nil {
		t.Fatal(err)
	}
	want := []order.Milestone{order.MilestoneInTransit, order.MilestoneRefundProcessed, order.MilestoneReturnInTransit, order.MilestoneReturnReceived}
	if !slices.Equal(c.NotifyMilestones, want) {
		t.Errorf("switched: %v, want %v", c.NotifyMilestones, want)
	}
}

func TestSNSSettings(t *testing.T) {
	c, err := load(t, map[string]string{"SNS_REGION": "eu-west-1", "SNS_SENDER_ID": "MyShop", "SNS_ORIGINATION_NUMBER": "+15005550006",
		"SNS_ENDPOINT_URL": "http://127.0.0.1:4566/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SNS != (SNS{Region: "eu-west-1", SenderID: "MyShop", OriginationNumber: "+15005550006", EndpointURL: "http://127.0.0.1:4566"}) {
		t.Errorf("SNS = %+v", c.SNS)
	}
	for _, p := range c.Providers() {
		if p.Name == "sns" && !p.On {
			t.Error("sns is off with SNS_REGION set")
		}
	}
	for k, v := range map[string]string{"SNS_REGION": "eu west 1", "SNS_SENDER_ID": "MyShop\x00", "SNS_ORIGINATION_NUMBER": "15005550006x",
		"SNS_ENDPOINT_URL": "ftp://x"} {
		if _, err := load(t, map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v, want an error naming it", k, v, err)
		}
	}
}

func TestOneSignalSettings(t *testing.T) {
	c, err := load(t, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.OneSignal != (OneSignal{APIURL: "https://api.onesignal.com"}) {
		t.Errorf("default OneSignal = %+v", c.OneSignal)
	}
	c, err = load(t, map[string]string{"ONESIGNAL_APP_ID": "5eb5a37e-b458-11e3-ac11-000c2940e62c", "ONESIGNAL_API_KEY": "os_v2_app_x",
		"ONESIGNAL_API_URL": "http://127.0.0.1:4567/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.OneSignal != (OneSignal{AppID: "5eb5a37e-b458-11e3-ac11-000c2940e62c", APIKey: "os_v2_app_x", APIURL: "http://127.0.0.1:4567"}) {
		t.Errorf("OneSignal = %+v", c.OneSignal)
	}
	for _, p := range c.Providers() {
		if p.Name == "onesignal" && !p.On {
			t.Error("onesignal is off with its app id and key set")
		}
	}
	for k, v := range map[string]string{"ONESIGNAL_APP_ID": "my-app", "ONESIGNAL_API_URL": "ftp://x"} {
		if _, err := load(t, map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v, want an error naming it", k, v, err)
		}
	}
}

func TestSendGridTemplates(t *testing.T) {
	const id = "d-4ad23ad40a0e47d0a0232b85f24ca5c2"
	var got SendGridTemplates
	if err := sendGridTemplates(&got)(" shipped=" + id + ", delivered = " + id + ","); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["shipped"] != id || got["delivered"] != id {
		t.Fatalf("got %v", got)
	}
	for _, v := range []string{
		"shipped", "shipped=HX123", "nosuch=" + id, "shipped=" + id + ",shipped=" + id,
		"shipped=d-4AD23AD40A0E47D0A0232B85F24CA5C2", "shipped=d-4ad23ad40a0e47d0a0232b85f24ca5c", "shipped=" + id + "0",
		"shipped=" + id + "\x00", "shipped=\n" + id, strings.Repeat("shipped="+id+",", 30),
	} {
		if err := sendGridTemplates(&got)(v); err == nil {
			t.Errorf("%q: accepted as %v", v, got)
		}
	}
	if _, err := load(t, map[string]string{"SENDGRID_TEMPLATES": "shipped=d-1"}); err == nil || !strings.Contains(err.Error(), "SENDGRID_TEMPLATES") {
		t.Errorf("err = %v, want a refusal naming the setting", err)
	}
}

// FuzzSendGridTemplates: SENDGRID_TEMPLATES either stops the start-up or maps known milestones
// to well-formed template ids, from a bounded value without control characters.
func FuzzSendGridTemplates(f *testing.F) {
	for _, s := range []string{"", "shipped=d-4ad23ad40a0e47d0a0232b85f24ca5c2", "shipped=d-1", "x=y", "=,=", "shipped=d-4ad23ad40a0e47d0a0232b85f24ca5c2,delivered=d-00000000000000000000000000000000", "shipped=d-4ad23ad40a0e47d0a0232b85f24ca5c2\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var got SendGridTemplates
		if err := sendGridTemplates(&got)(v); err != nil {
			return
		}
		if len(v) > maxSendGridTemplates || strings.ContainsFunc(v, unicode.IsControl) {
			t.Fatalf("%q accepted", v)
		}
		for m, id := range got {
			if !order.Milestone(m).Known() || !sendgrid.ValidTemplateID(id) {
				t.Fatalf("%q parsed to %q=%q", v, m, id)
			}
		}
	})
}

func TestChannelProviders(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.SMSProviders, []string{"twilio", "sns"}) || !slices.Equal(c.EmailProviders, []string{"sendgrid", "mailgun"}) || !c.ChannelFallback {
		t.Errorf("defaults: sms %v, email %v, fallback %v", c.SMSProviders, c.EmailProviders, c.ChannelFallback)
	}
	c, err = load(t, map[string]string{"SHIPFLOW_SMS_PROVIDERS": " SNS , twilio", "SHIPFLOW_EMAIL_PROVIDERS": "mailgun", "SHIPFLOW_CHANNEL_FALLBACK": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.SMSProviders, []string{"sns", "twilio"}) || !slices.Equal(c.EmailProviders, []string{"mailgun"}) || c.ChannelFallback {
		t.Errorf("set: sms %v, email %v, fallback %v", c.SMSProviders, c.EmailProviders, c.ChannelFallback)
	}
	for k, v := range map[string]string{"SHIPFLOW_SMS_PROVIDERS": "twilio,twilio", "SHIPFLOW_EMAIL_PROVIDERS": "sendgrid,sns",
		"SHIPFLOW_CHANNEL_FALLBACK": "maybe"} {
		if _, err := load(t, map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v, want an error naming it", k, v, err)
		}
	}
	if _, err := load(t, map[string]string{"SHIPFLOW_EMAIL_PROVIDERS": "sendgrid\x00"}); err == nil {
		t.Error("a NUL in a provider list was accepted")
	}
}

func TestBooleanFlagsStandAlone(t *testing.T) {
	c, err := load(t, nil, "-standins", "-register-parcels=false")
	if err != nil {
		t.Fatal(err)
	}
	if !c.StandIns || c.RegisterParcels {
		t.Errorf("standins %v, register parcels %v; want true, false", c.StandIns, c.RegisterParcels)
	}
	if _, err := load(t, nil, "-standins=maybe"); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_STANDINS") {
		t.Errorf("-standins=maybe: %v, want an error naming the setting", err)
	}
}

func TestDailyUpdateSettings(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DailyUpdates || c.DailyUpdateHour != 18 {
		t.Errorf("defaults: %v at %d", c.DailyUpdates, c.DailyUpdateHour)
	}
	c, err = load(t, map[string]string{"SHIPFLOW_DAILY_UPDATES": "true", "SHIPFLOW_DAILY_UPDATE_HOUR": "9"})
	if err != nil || !c.DailyUpdates || c.DailyUpdateHour != 9 {
		t.Errorf("on at 9: %v at %d, %v", c.DailyUpdates, c.DailyUpdateHour, err)
	}
	if c, err := load(t, map[string]string{"SHIPFLOW_DAILY_UPDATE_HOUR": "22", "SHIPFLOW_QUIET_HOURS": "off"}); err != nil || c.DailyUpdateHour != 22 {
		t.Errorf("22 without quiet hours: %d, %v", c.DailyUpdateHour, err)
	}
	for _, env := range []map[string]string{
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "22"}, // inside the default 21:00-08:00
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "7"},
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "12", "SHIPFLOW_QUIET_HOURS": "12:00-13:00"},
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "24"},
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "-1"},
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "18:00"},
		{"SHIPFLOW_DAILY_UPDATE_HOUR": "1\x008"},
		{"SHIPFLOW_DAILY_UPDATES": "daily"},
	} {
		if _, err := load(t, env); err == nil || !strings.Contains(err.Error(), "SHIPFLOW_DAILY_UPDATE") {
			t.Errorf("%q: %v, want an error naming the setting", env, err)
		}
	}
}

// TestEmailNeedsTheTrackingSecret: email through SendGrid or Mailgun without
// SHIPFLOW_TRACKING_SECRET went out with no unsubscribe link or List-Unsubscribe headers,
// silently. Now start-up refuses it, naming the variable and why; half a provider's settings
// (email off) and SMS alone start as before.
func TestEmailNeedsTheTrackingSecret(t *testing.T) {
	sg := map[string]string{"SENDGRID_API_KEY": "SG.x", "SENDGRID_FROM": "shop@example.com"}
	mg := map[string]string{"MAILGUN_API_KEY": "key-x", "MAILGUN_DOMAIN": "mg.example.com", "MAILGUN_FROM": "shop@mg.example.com"}
	for name, env := range map[string]map[string]string{"SendGrid": sg, "Mailgun": mg} {
		_, err := load(t, env)
		if err == nil || !strings.Contains(err.Error(), "SHIPFLOW_TRACKING_SECRET") || !strings.Contains(err.Error(), name) ||
			!strings.Contains(err.Error(), "unsubscribe") {
			t.Errorf("%s without the secret: %v, want refused naming SHIPFLOW_TRACKING_SECRET, %s and the unsubscribe link", name, err, name)
		}
		env["SHIPFLOW_TRACKING_SECRET"] = "0123456789abcdef"
		if _, err := load(t, env); err != nil {
			t.Errorf("%s with the secret: %v", name, err)
		}
	}
	for name, env := range map[string]map[string]string{
		"SendGrid key alone": {"SENDGRID_API_KEY": "SG.x"},
		"SMS alone":          {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15005550006"},
	} {
		if _, err := load(t, env); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
