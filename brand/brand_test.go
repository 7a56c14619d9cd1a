package brand

import (
	"strings"
	"testing"
)

func TestCheckAccepts(t *testing.T) {
	b := Brand{
		Name: "Ona's Shoes", LogoURL: "https://cdn.shop.example/logo.png?v=2", Primary: "#0F766E", Accent: "#f59e0b",
		SupportEmail: "help@shop.example", SupportPhone: "+370 600 12345",
	}
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
	if err := (Brand{}).Check(); err != nil {
		t.Fatalf("the zero brand: %v", err)
	}
}

func TestCheckRefuses(t *testing.T) {
	for name, b := range map[string]Brand{
		"long name":          {Name: strings.Repeat("a", MaxName+1)},
		"control in name":    {Name: "Shop\x00"},
		"newline in name":    {Name: "Shop\nSpam"},
		"padded name":        {Name: " Shop"},
		"http logo":          {LogoURL: "http://shop.example/logo.png"},
		"javascript logo":    {LogoURL: "javascript:alert(1)"},
		"data logo":          {LogoURL: "data:image/png;base64,AAAA"},
		"logo with userinfo": {LogoURL: "https://u:p@shop.example/l.png"},
		"logo with space":    {LogoURL: "https://shop.example/my logo.png"},
		"short colour":       {Primary: "#fff"},
		"named colour":       {Accent: "red"},
		"colour injection":   {Primary: "#fff;}x{"},
		"colour without #":   {Primary: "0f766e0"},
		"email with name":    {SupportEmail: "Help <help@shop.example>"},
		"not an email":       {SupportEmail: "help"},
		"email with newline": {SupportEmail: "help@shop.example\nBcc: x@y.z"},
		"phone with letters": {SupportPhone: "call us"},
		"short phone":        {SupportPhone: "112"},
		"long phone":         {SupportPhone: "+1 " + strings.Repeat("5", 40)},
		"plus inside phone":  {SupportPhone: "370+600"},
	} {
		if err := b.Check(); err == nil {
			t.Errorf("%s: %+v accepted", name, b)
		}
	}
}

func TestColours(t *testing.T) {
	var zero Brand
	if zero.PrimaryColor() != DefaultPrimary || zero.AccentColor() != DefaultAccent {
		t.Errorf("defaults: %s %s", zero.PrimaryColor(), zero.AccentColor())
	}
	for bg, want := range map[string]string{
		"#1b1f24": "#ffffff", "#2563eb": "#ffffff", "#0f766e": "#ffffff",
		"#ffffff": "#111827", "#fde047": "#111827", "#f59e0b": "#111827",
	} {
		if got := onColor(bg); got != want {
			t.Errorf("text on %s = %s, want %s", bg, got, want)
		}
	}
}

func TestLinks(t *testing.T) {
	b := Brand{LogoURL: "https://cdn.shop.example:8443/a/logo.png", SupportPhone: "+370 (600) 12-345"}
	if got := b.LogoOrigin(); got != "https://cdn.shop.example:8443" {
		t.Errorf("LogoOrigin = %q", got)
	}
	if got := b.TelURL(); got != "tel:+37060012345" {
		t.Errorf("TelURL = %q", got)
	}
	if (Brand{}).LogoOrigin() != "" || (Brand{}).TelURL() != "" {
		t.Error("the zero brand has a logo origin or a phone link")
	}
}
