package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBrandSettings(t *testing.T) {
	c, err := load(t, map[string]string{
		"SHIPFLOW_BRAND_NAME":          "Ona's Shoes",
		"SHIPFLOW_BRAND_LOGO_URL":      "https://cdn.shop.example/logo.png",
		"SHIPFLOW_BRAND_PRIMARY_COLOR": "#0f766e",
		"SHIPFLOW_BRAND_ACCENT_COLOR":  "#F59E0B",
		"SHIPFLOW_BRAND_SUPPORT_EMAIL": "help@shop.example",
		"SHIPFLOW_BRAND_SUPPORT_PHONE": "+370 600 12345",
		"SHIPFLOW_TRACKING_PAGE_URL":   "https://track.shop.example/",
	})
	if err != nil {
		t.Fatal(err)
	}
	b := c.Brand
	if b.Name != "Ona's Shoes" || b.LogoURL != "https://cdn.shop.example/logo.png" || b.Primary != "#0f766e" || b.Accent != "#F59E0B" ||
		b.SupportEmail != "help@shop.example" || b.SupportPhone != "+370 600 12345" || b.PageURL != "https://track.shop.example" {
		t.Errorf("brand = %+v", b)
	}
	if c.TrackingPageURL() != "https://track.shop.example" {
		t.Errorf("TrackingPageURL = %s", c.TrackingPageURL())
	}
	c, err = load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrackingPageURL() != c.PublicURL || c.Brand.Name != "" {
		t.Errorf("without a brand: page %s, name %q", c.TrackingPageURL(), c.Brand.Name)
	}
}

// Each bad value stops the start-up with the setting's name in the message.
func TestBrandSettingsRefused(t *testing.T) {
	for env, v := range map[string]string{
		"SHIPFLOW_BRAND_NAME":          "Shop\x07",
		"SHIPFLOW_BRAND_LOGO_URL":      "http://cdn.shop.example/logo.png",
		"SHIPFLOW_BRAND_PRIMARY_COLOR": "teal",
		"SHIPFLOW_BRAND_ACCENT_COLOR":  "#12345",
		"SHIPFLOW_BRAND_SUPPORT_EMAIL": "Support <help@shop.example>",
		"SHIPFLOW_BRAND_SUPPORT_PHONE": "call 112",
		"SHIPFLOW_TRACKING_PAGE_URL":   "ftp://track.shop.example",
	} {
		_, err := load(t, map[string]string{env: v})
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=%q: %v, want an error naming it", env, v, err)
		}
	}
}

func TestCarriersFile(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Carriers.Lookup("DPD"); !ok {
		t.Fatal("without a file the table is not the built-in one")
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "carriers.json")
	os.WriteFile(good, []byte(`[{"code":"acme","name":"Acme Couriers","tracking_url":"https://acme.example/t/{tracking_number}","aliases":["ACME"]}]`), 0o600)
	c, err = load(t, map[string]string{"SHIPFLOW_CARRIERS_FILE": good})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Carriers.Lookup("acme"); !ok || got.Link("1") != "https://acme.example/t/1" {
		t.Errorf("the merchant's row: %+v %v", got, ok)
	}
	if _, ok := c.Carriers.Lookup("UPS"); !ok {
		t.Error("the merchant's file replaced the built-in table instead of extending it")
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"code":"acme","name":"Acme","tracking_url":"http://acme.example/{tracking_number}"}]`), 0o600)
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		_, err := load(t, map[string]string{"SHIPFLOW_CARRIERS_FILE": path})
		if err == nil || !strings.Contains(err.Error(), "SHIPFLOW_CARRIERS_FILE") {
			t.Errorf("%s: %v, want an error naming SHIPFLOW_CARRIERS_FILE", path, err)
		}
	}
}

func TestLookupRateLimits(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.Lookup.Off() || c.Limits.LookupOrder.Off() || c.Limits.LookupOrder.PerSecond >= c.Limits.Lookup.PerSecond {
		t.Errorf("lookup limits: %+v %+v", c.Limits.Lookup, c.Limits.LookupOrder)
	}
}
