package signature

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	// jwksMinRefetch bounds how often a key id we do not know can make us
	// fetch the key set. Key ids come from request headers, so without it
	// anyone could make shipflow hammer the JWKS endpoint by sending made-up
	// ids; with it a newly rotated-in key is still picked up within a minute.
	jwksMinRefetch = time.Minute

	// jwksMaxAge is how long a fetched set is trusted before the next lookup
	// refreshes it, so that a key the publisher withdraws stops verifying
	// here too. If the refresh fails, the old keys keep working: an outage
	// of the JWKS endpoint should not become an outage of our webhooks.
	jwksMaxAge = time.Hour

	// jwksTimeout caps one fetch when the caller's context has no earlier
	// deadline; the fetch happens while a webhook request waits.
	jwksTimeout = 10 * time.Second

	// jwksMaxBody bounds what we read from the endpoint. Real key sets are a
	// few kilobytes.
	jwksMaxBody = 1 << 20

	// minRSABits refuses keys too weak to trust; ShipEngine's are 2048-bit.
	minRSABits = 2048

	// maxRSABits refuses keys so large that verifying with them would make
	// each webhook expensive; no publisher uses more than 4096 bits.
	maxRSABits = 8192
)

// JWKS is a KeySet that fetches RSA public keys from a JSON Web Key Set URL,
// such as ShipEngineJWKSURL, and caches them.
//
// It fetches on first use, when a lookup names a key id it has not seen (at
// most once a minute however many unknown ids arrive, so forged requests
// cannot make it hammer the endpoint), and when its keys are more than an
// hour old. Fetches are bounded by the caller's context and by a timeout of
// their own. A JWKS is safe for concurrent use; make one per URL and share it.
type JWKS struct {
	url    string
	client *http.Client
	now    func() time.Time // swapped in tests

	// sem admits one fetch at a time. A channel rather than a mutex, so that
	// a caller queued behind a slow fetch can give up when its context ends.
	sem chan struct{}

	mu       sync.RWMutex
	keys     map[string]*rsa.PublicKey
	rejected map[string]error // key ids present in the set but unusable, and why
	fetched  time.Time        // when keys was last replaced
	tried    time.Time        // when the last fetch started
	lastErr  error            // how the last fetch failed; nil if it succeeded
}

// NewJWKS returns a JWKS that fetches url with client, or with
// http.DefaultClient when client is nil. Nothing is fetched until the first
// lookup.
func NewJWKS(url string, client *http.Client) *JWKS {
	if client == nil {
		client = http.DefaultClient
	}
	return &JWKS{
		url:    url,
		client: client,
		now:    time.Now,
		sem:    make(chan struct{}, 1),
	}
}

// Key returns the public key with id kid. It fails with an error wrapping
// ErrUnknownKey when the set, fetched no more than a minute ago, has no
// usable key of that id, and with some other error when the set could not be
// fetched at all.
func (j *JWKS) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	k, ok, fresh := j.lookup(kid)
	if ok && fresh {
		return k, nil
	}
	if err := j.refresh(ctx); err != nil {
		if ok {
			return k, nil // stale, but better than refusing every webhook
		}
		return nil, err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	if why, ok := j.rejected[kid]; ok {
		return nil, fmt.Errorf("%w: the key set's key is unusable: %v", ErrUnknownKey, why)
	}
	return nil, ErrUnknownKey
}

// lookup reports the cached key for kid, if any, and whether the cache is
// young enough to use without refreshing.
func (j *JWKS) lookup(kid string) (k *rsa.PublicKey, ok, fresh bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	k, ok = j.keys[kid]
	return k, ok, !j.fetched.IsZero() && j.now().Sub(j.fetched) < jwksMaxAge
}

// refresh fetches the key set unless a fetch started less than
// jwksMinRefetch ago, in which case it reports how that one went.
func (j *JWKS) refresh(ctx context.Context) error {
	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("signature: waiting for JWKS fetch: %w", ctx.Err())
	}
	defer func() { <-j.sem }()

	j.mu.Lock()
	start := j.now()
	if !j.tried.IsZero() && start.Sub(j.tried) < jwksMinRefetch {
		err := j.lastErr
		j.mu.Unlock()
		return err
	}
	prevTried := j.tried
	j.tried = start
	j.mu.Unlock()

	keys, rejected, err := j.fetch(ctx)

	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			// Our caller gave up, which says nothing about the endpoint:
			// let the next caller try at once rather than in a minute.
			j.tried = prevTried
			return err
		}
		j.lastErr = err
		return err
	}
	j.keys, j.rejected, j.fetched, j.lastErr = keys, rejected, j.now(), nil
	return nil
}

// fetch downloads and parses the key set. Keys that are not usable RSA
// signing keys are left out and reported in rejected, so that a lookup for
// one can say why instead of just "unknown".
func (j *JWKS) fetch(ctx context.Context) (keys map[string]*rsa.PublicKey, rejected map[string]error, err error) {
	ctx, cancel := context.WithTimeout(ctx, jwksTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("signature: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("signature: fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("signature: fetching JWKS %s: %s", j.url, resp.Status)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, jwksMaxBody)).Decode(&set); err != nil {
		return nil, nil, fmt.Errorf("signature: decoding JWKS from %s: %w", j.url, err)
	}
	keys = make(map[string]*rsa.PublicKey, len(set.Keys))
	rejected = make(map[string]error)
	for _, k := range set.Keys {
		if k.Kid == "" {
			continue // nothing could ever ask for it
		}
		pub, err := k.publicKey()
		if err != nil {
			rejected[k.Kid] = err
			continue
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		// Keep whatever we had rather than replace it with nothing.
		return nil, nil, fmt.Errorf("signature: JWKS from %s has no usable RSA signing key", j.url)
	}
	return keys, rejected, nil
}

// jwk is the part of an RFC 7517 JSON Web Key that an RSA verifier needs.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// publicKey converts k, refusing anything but an RSA key fit for RS256
// signatures: a key published for another purpose must not verify ours.
func (k jwk) publicKey() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("kty %q is not RSA", clip(k.Kty))
	}
	if k.Use != "" && k.Use != "sig" {
		return nil, fmt.Errorf("use %q is not sig", clip(k.Use))
	}
	if k.Alg != "" && k.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q is not RS256", clip(k.Alg))
	}
	n, err := decodeBase64URL(k.N)
	if err != nil {
		return nil, fmt.Errorf("n: %w", err)
	}
	e, err := decodeBase64URL(k.E)
	if err != nil {
		return nil, fmt.Errorf("e: %w", err)
	}
	mod := new(big.Int).SetBytes(n)
	if mod.BitLen() < minRSABits || mod.BitLen() > maxRSABits {
		return nil, fmt.Errorf("modulus of %d bits is not %d to %d", mod.BitLen(), minRSABits, maxRSABits)
	}
	// rsa.PublicKey.E is an int; real keys use 65537 anyway.
	if len(e) > 4 {
		return nil, errors.New("exponent too large")
	}
	var exp uint64
	for _, b := range e {
		exp = exp<<8 | uint64(b)
	}
	if exp < 3 || exp%2 == 0 || exp > math.MaxInt32 {
		return nil, fmt.Errorf("exponent %d is not odd, at least 3 and below 2^31", exp)
	}
	return &rsa.PublicKey{N: mod, E: int(exp)}, nil
}

// decodeBase64URL decodes the unpadded base64url JWKs use, tolerating
// padding that some publishers add anyway.
func decodeBase64URL(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	if len(b) == 0 {
		return nil, errors.New("empty")
	}
	return b, nil
}
