package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shipflow/shipflow/internal/testenv"
	"github.com/shipflow/shipflow/notify/providertest"
)

// TestProviderFailoverAndChannelFallback runs the whole path with two providers on each
// channel, SendGrid then Mailgun for email and Twilio then SNS for SMS, each a stand-in driven
// through the real client: a provider that is down passes the message to the next, exactly
// once, and the log names the provider that failed; a text every provider refuses for good
// reaches the customer by email instead.
func TestProviderFailoverAndChannelFallback(t *testing.T) {
	const sid, token = "AC00000000000000000000000000000001", "0123456789abcdef0123456789abcdef"
	tw := providertest.NewTwilio(t, sid, token)
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	sn := providertest.NewSNS(t, creds, "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	sg := providertest.NewSendGrid(t, "SG.failover")
	mg := providertest.NewMailgun(t, "key-failover", "mg.store.example", "signing-key")
	s := startStack(t, map[string]string{
		"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token, "TWILIO_FROM": "+15005550006", "TWILIO_API_URL": tw.URL(),
		"SNS_REGION": "eu-west-1", "SNS_ENDPOINT_URL": sn.URL(), "SNS_ORIGINATION_NUMBER": "+15005550007",
		"SENDGRID_API_KEY": "SG.failover", "SENDGRID_FROM": "Shop <shop@store.example>", "SENDGRID_API_URL": sg.URL(),
		"MAILGUN_API_KEY": "key-failover", "MAILGUN_DOMAIN": "mg.store.example", "MAILGUN_FROM": "Shop <shop@mg.store.example>",
		"MAILGUN_API_URL": mg.URL(), "SHIPFLOW_TRACKING_SECRET": "failover-tracking-secret",
	})
	prefix := fmt.Sprintf("fo-%d-", time.Now().UnixNano())
	emails := func(to string) (sendgrid, mailgun int) {
		for _, m := range sg.Messages() {
			if m.To == to {
				sendgrid++
			}
		}
		for _, m := range mg.Messages() {
			if m.To == to {
				mailgun++
			}
		}
		return
	}
	texts := func(to string) (twilio, sns int) {
		for _, m := range tw.Messages() {
			if m.To == to {
				twilio++
			}
		}
		for _, m := range sn.Messages() {
			if m.PhoneNumber == to {
				sns++
			}
		}
		return
	}

	t.Run("sendgrid down: mailgun sends, once", func(t *testing.T) {
		sg.Down(0)
		defer sg.Up()
		const email = "ona.fo@example.com"
		s.confirm(prefix+"a", map[string]any{"name": "Ona", "email": email, "locale": "en", "time_zone": "Europe/Vilnius"}, "email")
		entry := s.logged(prefix+"a", "sent")
		if entry["provider"] != "mailgun" || !strings.HasPrefix(fmt.Sprint(entry["failover"]), "sendgrid: ") {
			t.Errorf("log entry %v, want sent by mailgun after sendgrid's failure", entry)
		}
		if a, b := emails(email); a != 0 || b != 1 {
			t.Errorf("sendgrid took %d, mailgun %d; want exactly one email, through mailgun", a, b)
		}
	})

	t.Run("twilio down: sns sends, once", func(t *testing.T) {
		tw.Down(0)
		defer tw.Up()
		const phone = "+37060000101"
		s.confirm(prefix+"b", map[string]any{"name": "Ona", "phone": phone, "locale": "en", "time_zone": "Europe/Vilnius"}, "sms")
		entry := s.logged(prefix+"b", "sent")
		if entry["provider"] != "sns" || !strings.HasPrefix(fmt.Sprint(entry["failover"]), "twilio: ") {
			t.Errorf("log entry %v, want sent by sns after twilio's failure", entry)
		}
		if a, b := texts(phone); a != 0 || b != 1 {
			t.Errorf("twilio took %d, sns %d; want exactly one text, through sns", a, b)
		}
	})

	t.Run("every sms provider refuses: email instead", func(t *testing.T) {
		tw.FailNext(1, http.StatusBadRequest, 21211)
		sn.FailNext(1, http.StatusBadRequest, 0)
		const phone, email = "+37060000102", "ona.fb@example.com"
		id := prefix + "c"
		s.confirm(id, map[string]any{"name": "Ona", "phone": phone, "email": email, "locale": "en", "time_zone": "Europe/Vilnius"}, "sms")
		var byChannel map[string]map[string]any
		last := "no entries"
		testenv.Eventually(t, 30*time.Second, func() bool {
			byChannel = s.confirmations(id)
			last = fmt.Sprint(byChannel)
			return byChannel["sms"]["status"] == "failed" && byChannel["email"]["status"] == "sent"
		}, "%s: want the text failed and the email sent; last: %s", id, testenv.Last(&last))
		if a, b := texts(phone); a+b != 0 {
			t.Errorf("texts sent: twilio %d, sns %d; want none", a, b)
		}
		if a, b := emails(email); a != 1 || b != 0 {
			t.Errorf("emails: sendgrid %d, mailgun %d; want one through sendgrid", a, b)
		}
	})
}
