package access_test

import (
	"context"
	"testing"

	"github.com/shipflow/shipflow/access"
)

// Admin holds every scope; any other scope holds only itself.
func TestCan(t *testing.T) {
	reader := access.Actor{Name: "bi", Scopes: []access.Scope{access.ScopeReadOrders}}
	if !reader.Can(access.ScopeReadOrders) || reader.Can(access.ScopeOperateOrders) || reader.Can(access.ScopeAdmin) {
		t.Errorf("a reader's scopes: %+v", reader)
	}
	admin := access.System("retention")
	for _, s := range access.Scopes {
		if !admin.Can(s) {
			t.Errorf("admin cannot %s", s)
		}
	}
	if (access.Actor{}).Can(access.ScopeVoice) {
		t.Error("an actor without scopes can")
	}
}

func TestParseScope(t *testing.T) {
	for _, s := range access.Scopes {
		if got, ok := access.ParseScope(string(s)); !ok || got != s {
			t.Errorf("ParseScope(%q) = %q, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "ADMIN", "orders", "orders:read ", "orders:write", "admin\x00"} {
		if _, ok := access.ParseScope(s); ok {
			t.Errorf("ParseScope(%q) took it", s)
		}
	}
}

func TestValidName(t *testing.T) {
	for _, n := range []string{"ops", "support-desk", "bi.export_2", "a"} {
		if !access.ValidName(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range []string{"", "-ops", "Ops", "ops desk", "ops:x", "ops\n", "abcdefghijklmnopqrstuvwxyz0123456789"} {
		if access.ValidName(n) {
			t.Errorf("%q taken", n)
		}
	}
}

func TestActorFromContext(t *testing.T) {
	if _, ok := access.ActorFrom(context.Background()); ok {
		t.Error("a bare context has an actor")
	}
	a := access.Actor{Name: "ops-ana", Via: access.ViaConsole, Scopes: []access.Scope{access.ScopeAdmin}}
	got, ok := access.ActorFrom(access.WithActor(context.Background(), a))
	if !ok || got.Name != a.Name || got.Via != a.Via {
		t.Errorf("ActorFrom = %+v, %v", got, ok)
	}
}
