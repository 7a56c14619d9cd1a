package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shipflow/shipflow/notify/providertest"
)

// TestSMSThroughSNS runs the whole path with Amazon SNS as the SMS provider: a signed commerce
// event, the order workflow, the notify activity, the AWS SDK's Publish and the SNS stand-in,
// which verifies the request's SigV4 signature with the credentials the SDK found in the
// environment. It checks the Publish, the log entry, and each failure class: throttling is
// retried and sent once, an invalid parameter fails for good, an opted-out number becomes an
// opt-out.
func TestSMSThroughSNS(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	st := providertest.NewSNS(t, creds, "eu-west-1")
	// The SDK's standard chain reads the process environment, not shipflow's settings.
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")

	s := startStack(t, map[string]string{
		"SNS_REGION":             "eu-west-1",
		"SNS_SENDER_ID":          "MyShop",
		"SNS_ORIGINATION_NUMBER": "+15005550006",
		"SNS_ENDPOINT_URL":       st.URL(),
	})
	prefix := fmt.Sprintf("sns-%d-", time.Now().UnixNano())
	order := func(id, phone string) {
		t.Helper()
		s.confirm(id, map[string]any{"name": "Ona", "phone": phone, "locale": "en", "time_zone": "Europe/Vilnius"}, "sms")
	}
	logged := s.logged
	to := func(phone string) []providertest.SNSMessage {
		var out []providertest.SNSMessage
		for _, m := range st.Messages() {
			if m.PhoneNumber == phone {
				out = append(out, m)
			}
		}
		return out
	}

	t.Run("sent", func(t *testing.T) {
		phone := "+37060000101"
		order(prefix+"a", phone)
		entry := logged(prefix+"a", "sent")
		msgs := to(phone)
		if len(msgs) != 1 {
			t.Fatalf("SNS got %d texts for %s, want 1", len(msgs), phone)
		}
		m := msgs[0]
		if entry["provider"] != "sns" || entry["provider_message_id"] != m.MessageID {
			t.Errorf("log entry %v, want provider sns and SNS's MessageId %s", entry, m.MessageID)
		}
		if m.Attributes["AWS.SNS.SMS.SMSType"] != "Transactional" || m.Attributes["AWS.SNS.SMS.SenderID"] != "MyShop" ||
			m.Attributes["AWS.MM.SMS.OriginationNumber"] != "+15005550006" || !strings.Contains(m.Message, "Ona") {
			t.Errorf("published %+v", m)
		}
	})

	t.Run("throttled is retried and sent once", func(t *testing.T) {
		phone := "+37060000102"
		before := st.Requests.Load()
		st.FailNext(1, http.StatusTooManyRequests, 0)
		order(prefix+"b", phone)
		logged(prefix+"b", "sent")
		if n := len(to(phone)); n != 1 {
			t.Errorf("SNS got %d texts, want 1", n)
		}
		if n := st.Requests.Load() - before; n != 2 {
			t.Errorf("SNS saw %d requests, want the throttled one and its retry", n)
		}
	})

	t.Run("invalid parameter fails for good", func(t *testing.T) {
		phone := "+37060000103"
		st.FailNext(1, http.StatusBadRequest, 0)
		order(prefix+"c", phone)
		entry := logged(prefix+"c", "failed")
		if !strings.Contains(fmt.Sprint(entry["error"]), "InvalidParameter") {
			t.Errorf("log entry %v, want SNS's InvalidParameter", entry)
		}
		time.Sleep(6 * time.Second) // past the activity's first retry interval
		if n := len(to(phone)); n != 0 {
			t.Errorf("SNS got %d texts after a permanent refusal, want none", n)
		}
	})

	t.Run("opted out", func(t *testing.T) {
		phone := "+37060000104"
		st.OptOut(phone)
		order(prefix+"d", phone)
		entry := logged(prefix+"d", "failed")
		if !strings.Contains(fmt.Sprint(entry["error"]), "OptedOut") {
			t.Errorf("log entry %v, want SNS's OptedOut", entry)
		}
		// The number is now opted out in shipflow too: the next order's text is suppressed
		// without asking SNS.
		order(prefix+"e", phone)
		logged(prefix+"e", "suppressed")
	})
}
