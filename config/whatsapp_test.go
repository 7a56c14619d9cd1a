package config

import (
	"strings"
	"testing"
	"unicode"

	"github.com/shipflow/shipflow/notify"
	"github.com/shipflow/shipflow/order"
)

func TestWhatsAppCloud(t *testing.T) {
	c, err := load(t, map[string]string{
		"WHATSAPP_CLOUD_ACCESS_TOKEN": "EAAJB", "WHATSAPP_CLOUD_PHONE_NUMBER_ID": "106540352242922",
		"WHATSAPP_CLOUD_TEMPLATES":  " shipped=order_shipped:en_US, confirmed = order_confirmed:lt:2 ,",
		"WHATSAPP_CLOUD_APP_SECRET": "s", "WHATSAPP_CLOUD_VERIFY_TOKEN": "v",
	})
	if err != nil {
		t.Fatal(err)
	}
	w := c.WhatsAppCloud
	if !w.On() || w.APIURL != "https://graph.facebook.com" || w.APIVersion != "v24.0" || w.AppSecret != "s" || w.VerifyToken != "v" {
		t.Errorf("WhatsAppCloud = %+v", w)
	}
	want := map[order.Milestone]notify.CloudTemplateRef{
		order.MilestoneShipped: {Name: "order_shipped", Language: "en_US", Parameters: 4}, order.MilestoneConfirmed: {Name: "order_confirmed", Language: "lt", Parameters: 2},
	}
	if len(c.WhatsAppCloudTemplates) != 2 || c.WhatsAppCloudTemplates[order.MilestoneShipped] != want[order.MilestoneShipped] || c.WhatsAppCloudTemplates[order.MilestoneConfirmed] != want[order.MilestoneConfirmed] {
		t.Errorf("templates = %v", c.WhatsAppCloudTemplates)
	}
	on := false
	for _, p := range c.Providers() {
		on = on || (p.Name == "whatsapp_cloud" && p.On)
	}
	if !on {
		t.Error("whatsapp_cloud is off with its token and number id set")
	}
	for k, v := range map[string]string{
		"WHATSAPP_CLOUD_PHONE_NUMBER_ID": "+15550001234", "WHATSAPP_CLOUD_API_VERSION": "latest", "WHATSAPP_CLOUD_API_URL": "ftp://x",
		"WHATSAPP_CLOUD_TEMPLATES": "shipped=Order Shipped:en",
	} {
		if _, err := load(t, map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v, want an error naming it", k, v, err)
		}
	}
	if _, err := load(t, map[string]string{"WHATSAPP_CLOUD_APP_SECRET_PREVIOUS": "old"}); err == nil {
		t.Error("a previous app secret without a current one is accepted")
	}
	var got map[order.Milestone]notify.CloudTemplateRef
	for _, v := range []string{
		"shipped", "shipped=order_shipped", "nosuch=a:en", "shipped=a:en,shipped=b:en", "shipped=a:english", "shipped=a:en_us",
		"shipped=a:en:5", "shipped=a:en:-1", "shipped=a:en:x", "shipped=a:en:1:2", "shipped=:en", "shipped=a:en\x00",
		strings.Repeat("shipped=a:en,", 400),
	} {
		if err := cloudTemplates(&got)(v); err == nil {
			t.Errorf("%q: accepted as %v", v, got)
		}
	}
}

// FuzzCloudTemplates: WHATSAPP_CLOUD_TEMPLATES either stops the start-up or maps known
// milestones to well-formed names and languages with 0 to 4 parameters.
func FuzzCloudTemplates(f *testing.F) {
	for _, s := range []string{"", "shipped=order_shipped:en_US", "confirmed=c:lt:2,delivered=d:pt_BR:0", "x=y", "=,=", "shipped=a:en:9", "shipped=a:en\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var got map[order.Milestone]notify.CloudTemplateRef
		if err := cloudTemplates(&got)(v); err != nil {
			return
		}
		if len(v) > maxCloudTemplates || strings.ContainsFunc(v, unicode.IsControl) {
			t.Fatalf("%q accepted", v)
		}
		for m, ref := range got {
			if !m.Known() || !cloudTemplateName.MatchString(ref.Name) || !cloudTemplateLanguage.MatchString(ref.Language) ||
				ref.Parameters < 0 || ref.Parameters > notify.MaxCloudParameters {
				t.Fatalf("%q parsed to %q=%+v", v, m, ref)
			}
		}
	})
}
