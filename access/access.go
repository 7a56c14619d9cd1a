// Package access names who is acting and what they may do: the actor a request is attributed
// to (an environment token, a named token kept in Postgres, a console session, a voice
// platform, shipflow itself) and the scopes a token grants. It holds the vocabulary only, so
// every package that checks or records access shares one spelling of it.
package access

import (
	"context"
	"regexp"
	"slices"
)

// Scope is one kind of access a token grants.
type Scope string

// The scopes. ScopeAdmin grants every other one.
const (
	ScopeReadOrders    Scope = "orders:read"    // read orders, their timelines and messages
	ScopeOperateOrders Scope = "orders:operate" // resolve exceptions, resend, change channels, replay events
	ScopeWebhooks      Scope = "webhooks"       // manage webhook endpoints and connectors
	ScopeVoice         Scope = "voice"          // the voice assistant's tools
	ScopeDriver        Scope = "driver"         // a driver's report_delay
	ScopeAdmin         Scope = "admin"          // everything, with tokens, privacy requests and the audit trail
)

// Scopes are the scopes in the order people read them.
var Scopes = []Scope{ScopeReadOrders, ScopeOperateOrders, ScopeWebhooks, ScopeVoice, ScopeDriver, ScopeAdmin}

// ParseScope is the scope s spells; ok is false for anything else.
func ParseScope(s string) (sc Scope, ok bool) {
	i := slices.Index(Scopes, Scope(s))
	if i < 0 {
		return "", false
	}
	return Scopes[i], true
}

// MaxNameLen is the longest name a token may have.
const MaxNameLen = 32

// tokenName is the shape of a token's name: SHIPFLOW_ADMIN_TOKENS' name:token entries and named
// tokens share it, so an audit entry's actor reads the same whichever kind made it.
var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)

// ValidName reports whether name is a token's name: 1 to 32 of a-z, 0-9, '.', '_' and '-',
// starting with a letter or digit.
func ValidName(name string) bool { return tokenName.MatchString(name) }

// Via is how an actor reached shipflow.
type Via string

// The ways in.
const (
	ViaAPI     Via = "api"     // a bearer token on /v1
	ViaConsole Via = "console" // a person signed in to the console
	ViaVoice   Via = "voice"   // a voice platform on /voice
	ViaShopify Via = "shopify" // Shopify's mandatory privacy webhooks
	ViaSystem  Via = "system"  // shipflow itself: retention, the CLI
)

// Actor is who a read or change is attributed to: the token's name and the way it came.
type Actor struct {
	Name   string
	Via    Via
	Scopes []Scope
}

// System is shipflow acting on its own behalf, named for what it does ("retention").
func System(name string) Actor { return Actor{Name: name, Via: ViaSystem, Scopes: []Scope{ScopeAdmin}} }

// Can reports whether the actor holds s, or admin.
func (a Actor) Can(s Scope) bool {
	return slices.Contains(a.Scopes, s) || slices.Contains(a.Scopes, ScopeAdmin)
}

type actorKey struct{}

// WithActor is ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor ctx carries; ok is false when no authenticated actor set one.
func ActorFrom(ctx context.Context) (a Actor, ok bool) {
	a, ok = ctx.Value(actorKey{}).(Actor)
	return a, ok
}
