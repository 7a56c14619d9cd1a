// Package tokens keeps the named, scoped API tokens (table api_tokens): created and revoked
// by an admin through /v1/tokens or the console, presented as bearer tokens on /v1 and /voice
// and at the console's sign-in. A token's text is shown once, when it is made; only its SHA-256
// is stored. The vocabulary (scopes, the shape of a name, the actor) is package access's; this
// package is its I/O, which access, at the bottom floor, cannot do; creating and revoking write
// their audit entries in their own transaction, so the API and the console record them alike.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/audit"
	"github.com/shipflow/shipflow/db"
)

// Prefix starts every named token, so a leaked one is recognised by secret scanners and
// people, and a bearer token without it is not looked up in Postgres at all.
const Prefix = "sft_"

// idPrefix starts every token's id, which is not secret: it names the token in the API and
// the console.
const idPrefix = "tok_"

// secretBytes is a token's randomness: 256 bits, which is why a fast hash stores it safely.
const secretBytes = 32

// usedEvery is how often last_used_at is written at most per token.
const usedEvery = time.Minute

// MaxLive is how many tokens may be live at once: enough for every integration and person,
// few enough that the list stays one page.
const MaxLive = 200

// maxListed is how many tokens List returns at most, revoked ones included (newest first).
const maxListed = 1000

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// secretLen is the length of a token's text.
var secretLen = len(Prefix) + encoding.EncodedLen(secretBytes)

// Errors of the store.
var (
	ErrNameTaken = errors.New("a live token already has this name")
	ErrTooMany   = fmt.Errorf("%d tokens are live already: revoke one first", MaxLive)
	// ErrUnknown is a token that is not a live named token: never made, mistyped or revoked.
	ErrUnknown = errors.New("unknown or revoked token")
)

// Token is a named token as it may be shown: never its text or hash.
type Token struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Scopes     []access.Scope `json:"scopes"`
	CreatedAt  time.Time      `json:"created_at"`
	CreatedBy  string         `json:"created_by"`
	LastUsedAt *time.Time     `json:"last_used_at"`
	RevokedAt  *time.Time     `json:"revoked_at"`
	RevokedBy  string         `json:"revoked_by,omitempty"`
}

// Actor is who the token's holder acts as, come by via.
func (t Token) Actor(via access.Via) access.Actor {
	return access.Actor{Name: t.Name, Via: via, Scopes: slices.Clone(t.Scopes)}
}

// Live reports whether the token still opens anything.
func (t Token) Live() bool { return t.RevokedAt == nil }

// Hash is what is stored of a token's text.
func Hash(secret string) []byte {
	d := sha256.Sum256([]byte(secret))
	return d[:]
}

// Named reports whether secret has the shape of a named token, so that other bearer tokens
// (the environment's, or guesses) cost no query.
func Named(secret string) bool {
	if len(secret) != secretLen || !strings.HasPrefix(secret, Prefix) {
		return false
	}
	_, err := encoding.DecodeString(secret[len(Prefix):])
	return err == nil
}

// ValidID reports whether id has the shape of a token's id, so a path that cannot name one is
// answered without a query.
func ValidID(id string) bool {
	rest, ok := strings.CutPrefix(id, idPrefix)
	return ok && len(rest) == 26 && strings.Trim(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
}

// Check says what is wrong with a token's name and scopes, or nil.
func Check(name string, scopes []access.Scope) error {
	if !access.ValidName(name) {
		return fmt.Errorf("name: %q is not 1 to %d of a-z, 0-9, '.', '_' and '-', starting with a letter or digit", name, access.MaxNameLen)
	}
	if len(scopes) == 0 {
		return errors.New("scopes: give at least one")
	}
	for _, s := range scopes {
		if _, ok := access.ParseScope(string(s)); !ok {
			return fmt.Errorf("scopes: %q is not a scope", s)
		}
	}
	return nil
}

// Create makes a token named name with scopes, by the actor ctx carries, with its audit entry
// in the same transaction, and returns it with its text, which is not kept: the caller shows
// it once. The scopes are stored in access.Scopes' order, without repeats.
func Create(ctx context.Context, ex db.Executor, name string, scopes []access.Scope) (Token, string, error) {
	if err := Check(name, scopes); err != nil {
		return Token{}, "", err
	}
	by, ok := access.ActorFrom(ctx)
	if !ok {
		return Token{}, "", fmt.Errorf("create token %s: no actor", name)
	}
	var ordered []access.Scope
	for _, s := range access.Scopes {
		if slices.Contains(scopes, s) {
			ordered = append(ordered, s)
		}
	}
	b := make([]byte, secretBytes)
	rand.Read(b)
	secret := Prefix + encoding.EncodeToString(b)
	t := Token{ID: idPrefix + rand.Text(), Name: name, Scopes: ordered, CreatedBy: by.Name}
	tx, err := ex.Begin(ctx)
	if err != nil {
		return Token{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	defer tx.Rollback(ctx)
	// Serialise creations, so two at once cannot both pass the count.
	if _, err := tx.Exec(ctx, `LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return Token{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	var live int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL`).Scan(&live); err != nil {
		return Token{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	if live >= MaxLive {
		return Token{}, "", ErrTooMany
	}
	err = tx.QueryRow(ctx, `INSERT INTO api_tokens (id, name, scopes, token_hash, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		t.ID, t.Name, scopeText(ordered), Hash(secret), by.Name).Scan(&t.CreatedAt)
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "api_tokens_live_name_idx" {
		return Token{}, "", ErrNameTaken
	}
	if err != nil {
		return Token{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	if err := audit.Append(ctx, tx, audit.Entry{Action: audit.ActionTokenCreate, Subject: t.ID,
		Detail: map[string]any{"name": t.Name, "scopes": t.Scopes}}); err != nil {
		return Token{}, "", err
	}
	if err := tx.Commit(ctx); err != nil {
		return Token{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	return t, secret, nil
}

const columns = `id, name, scopes, created_at, created_by, last_used_at, revoked_at, COALESCE(revoked_by, '')`

func scan(row pgx.Row) (Token, error) {
	var t Token
	var scopes []string
	if err := row.Scan(&t.ID, &t.Name, &scopes, &t.CreatedAt, &t.CreatedBy, &t.LastUsedAt, &t.RevokedAt, &t.RevokedBy); err != nil {
		return t, err
	}
	for _, s := range scopes {
		t.Scopes = append(t.Scopes, access.Scope(s))
	}
	return t, nil
}

func scopeText(scopes []access.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}

// List is the live tokens, then the revoked ones, each newest first.
func List(ctx context.Context, ex db.Executor) ([]Token, error) {
	rows, err := ex.Query(ctx, `SELECT `+columns+` FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC, id LIMIT $1`, maxListed)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// Get is the token with id; db.ErrNotFound when there is none.
func Get(ctx context.Context, ex db.Executor, id string) (Token, error) {
	t, err := scan(ex.QueryRow(ctx, `SELECT `+columns+` FROM api_tokens WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, db.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("load token %s: %w", id, err)
	}
	return t, nil
}

// Revoke revokes the token with id, by the actor ctx carries, from now on everywhere (its
// console sessions included), with its audit entry in the same transaction. Revoking a
// revoked token changes nothing and records nothing: revoked is false then. An unknown id is
// db.ErrNotFound.
func Revoke(ctx context.Context, ex db.Executor, id string) (t Token, revoked bool, err error) {
	by, ok := access.ActorFrom(ctx)
	if !ok {
		return t, false, fmt.Errorf("revoke token %s: no actor", id)
	}
	tx, err := ex.Begin(ctx)
	if err != nil {
		return t, false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	defer tx.Rollback(ctx)
	t, err = scan(tx.QueryRow(ctx, `UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING `+columns, id, by.Name))
	if errors.Is(err, pgx.ErrNoRows) {
		t, err = Get(ctx, ex, id)
		return t, false, err
	}
	if err != nil {
		return t, false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	if err := audit.Append(ctx, tx, audit.Entry{Action: audit.ActionTokenRevoke, Subject: t.ID,
		Detail: map[string]any{"name": t.Name}}); err != nil {
		return t, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return t, false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	return t, true, nil
}

// Authenticate is the live token whose text is secret, or ErrUnknown. It marks the token used
// at now, at most once every usedEvery, so that a busy token costs one indexed read per
// request and a write a minute. The lookup is by the secret's SHA-256: an index search on a
// digest says nothing about the secret that timing could reveal.
func Authenticate(ctx context.Context, ex db.Executor, secret string, now time.Time) (Token, error) {
	if !Named(secret) {
		return Token{}, ErrUnknown
	}
	t, err := scan(ex.QueryRow(ctx, `SELECT `+columns+` FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, Hash(secret)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, ErrUnknown
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate token: %w", err)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= usedEvery {
		// The condition again, so replicas marking it at once write it once.
		if _, err := ex.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`,
			t.ID, now, now.Add(-usedEvery)); err != nil {
			return Token{}, fmt.Errorf("mark token %s used: %w", t.ID, err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}
