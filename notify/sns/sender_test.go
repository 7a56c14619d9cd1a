package sns_test

import (
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/notify/providertest"
	"github.com/shipflow/shipflow/notify/sns"
	"github.com/shipflow/shipflow/order"
)

const (
	region   = "eu-west-1"
	customer = "+447700900123"
)

var (
	creds   = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	idRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	textMsg = notify.Message{Key: "o1/shipped/s1/sms", Channel: order.ChannelSMS, To: customer, Text: "Your order has shipped"}
)

func newSender(t *testing.T, url string, c aws.Credentials, edit func(*sns.Config)) *sns.Sender {
	t.Helper()
	cfg := sns.Config{Region: region, SenderID: "Shop", OriginationNumber: "+15005550006", EndpointURL: url}
	if edit != nil {
		edit(&cfg)
	}
	p := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	s, err := sns.New(t.Context(), cfg, &http.Client{Timeout: 5 * time.Second}, p)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestPublishTransactionalSMS(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	s := newSender(t, st.URL(), creds, nil)

	sent, err := s.Send(t.Context(), textMsg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if sent.Provider != "sns" || !idRE.MatchString(sent.MessageID) {
		t.Errorf("Sent = %+v, want sns and a MessageId", sent)
	}
	msgs := st.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stand-in accepted %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.MessageID != sent.MessageID || got.PhoneNumber != customer || got.Message != textMsg.Text {
		t.Errorf("accepted %+v", got)
	}
	want := map[string]string{"AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "Shop", "AWS.MM.SMS.OriginationNumber": "+15005550006"}
	if len(got.Attributes) != len(want) {
		t.Errorf("attributes %v, want %v", got.Attributes, want)
	}
	for k, v := range want {
		if got.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, got.Attributes[k], v)
		}
	}
}

func TestPublishWithoutSenderSettingsSendsOnlyTheType(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	s := newSender(t, st.URL(), creds, func(c *sns.Config) { c.SenderID, c.OriginationNumber = "", "" })
	if _, err := s.Send(t.Context(), textMsg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if a := st.Messages()[0].Attributes; len(a) != 1 || a["AWS.SNS.SMS.SMSType"] != "Transactional" {
		t.Errorf("attributes %v, want only the transactional type", a)
	}
}

func TestSignatureIsChecked(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	cases := map[string]struct {
		creds  aws.Credentials
		region string
		code   string
	}{
		"wrong secret":     {aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "not-the-secret"}, region, "SignatureDoesNotMatch"},
		"unknown key":      {aws.Credentials{AccessKeyID: "AKIAOTHER", SecretAccessKey: creds.SecretAccessKey}, region, "InvalidClientTokenId"},
		"wrong region":     {creds, "us-east-1", "SignatureDoesNotMatch"},
		"session required": {aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: "tok"}, region, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSender(t, st.URL(), c.creds, func(cfg *sns.Config) { cfg.Region = c.region })
			_, err := s.Send(t.Context(), textMsg)
			if c.code == "" {
				// A session token the stand-in does not expect is signed over, so still valid.
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			var p *notify.PermanentError
			if !errors.As(err, &p) || p.Code != c.code {
				t.Fatalf("Send = %v, want a permanent %s", err, c.code)
			}
		})
	}
	if n := len(st.Messages()); n != 1 {
		t.Errorf("stand-in accepted %d messages, want only the validly signed one", n)
	}
}

func TestFailureClasses(t *testing.T) {
	cases := []struct {
		status    int
		code      string
		permanent bool
	}{
		{http.StatusBadRequest, "InvalidParameter", true},
		{http.StatusForbidden, "AuthorizationError", true},
		{http.StatusTooManyRequests, "Throttled", false},
		{http.StatusInternalServerError, "InternalError", false},
		{http.StatusServiceUnavailable, "ServiceUnavailable", false},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			st := providertest.NewSNS(t, creds, region)
			s := newSender(t, st.URL(), creds, nil)
			st.FailNext(1, c.status, 0)
			_, err := s.Send(t.Context(), textMsg)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if notify.IsPermanent(err) != c.permanent {
				t.Errorf("Send = %v; permanent %v, want %v", err, notify.IsPermanent(err), c.permanent)
			}
			if len(st.Messages()) != 0 {
				t.Error("a refused message was recorded")
			}
			// Retried by the caller, the next attempt goes through.
			if _, err := s.Send(t.Context(), textMsg); err != nil {
				t.Errorf("second Send: %v", err)
			}
		})
	}
}

func TestOutageAndTimeoutAreRetryable(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	s := newSender(t, st.URL(), creds, nil)
	st.Down(0)
	if _, err := s.Send(t.Context(), textMsg); err == nil || notify.IsPermanent(err) {
		t.Errorf("during an outage Send = %v, want a retryable error", err)
	}
	st.Up()
	st.Delay(time.Second)
	fast, err := sns.New(t.Context(), sns.Config{Region: region, EndpointURL: st.URL()}, &http.Client{Timeout: 100 * time.Millisecond},
		credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fast.Send(t.Context(), textMsg); err == nil || notify.IsPermanent(err) {
		t.Errorf("on a timeout Send = %v, want a retryable error", err)
	}
}

func TestOptedOutNumberIsAPermanentOptOut(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	s := newSender(t, st.URL(), creds, nil)
	st.OptOut(customer)
	_, err := s.Send(t.Context(), textMsg)
	var p *notify.PermanentError
	if !errors.As(err, &p) || p.Code != "OptedOut" || !errors.Is(err, notify.ErrOptedOut) {
		t.Fatalf("Send = %v, want a permanent OptedOut wrapping notify.ErrOptedOut", err)
	}
}

func TestMessagesSNSCouldNeverTakeAreRefusedBeforeSending(t *testing.T) {
	st := providertest.NewSNS(t, creds, region)
	s := newSender(t, st.URL(), creds, nil)
	for name, m := range map[string]notify.Message{
		"whatsapp":  {Key: "k", Channel: order.ChannelWhatsApp, To: customer, Text: "hi"},
		"no number": {Key: "k", Channel: order.ChannelSMS, To: "07700900123", Text: "hi"},
		"no text":   {Key: "k", Channel: order.ChannelSMS, To: customer},
	} {
		if _, err := s.Send(t.Context(), m); !notify.IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a permanent error", name, err)
		}
	}
	if len(st.Messages()) != 0 {
		t.Error("the stand-in accepted a message")
	}
}

func TestConfigIsChecked(t *testing.T) {
	p := credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")
	for name, cfg := range map[string]sns.Config{
		"sender id too long":   {Region: region, SenderID: "ShopShopShop"},
		"sender id all digits": {Region: region, SenderID: "12345"},
		"origination number":   {Region: region, OriginationNumber: "+0123"},
		"endpoint":             {Region: region, EndpointURL: "ftp://example.com"},
	} {
		if _, err := sns.New(t.Context(), cfg, nil, p); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}
