package outbound

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/db"
	"github.com/shipflow/shipflow/payload"
)

// Resealed counts what a reseal pass changed.
type Resealed struct {
	// Endpoints were rewritten; Values are the sealed values written, over all of them.
	Endpoints, Values int
	// Unopened are the endpoints left as they were, each with why: a value no key opens
	// (its key was dropped too early) or a label it was not sealed with.
	Unopened []error
}

// resealBatch is how many endpoints one transaction of the pass locks and rewrites.
const resealBatch = 100

// Reseal brings every destination's stored secrets (secrets.go) and credentials to the form
// c would write now: a value still in clear (stored before its column was sealed) is sealed, a
// secret URL is moved to url_sealed, and a value sealed with a key other than the first is
// sealed again with the first. That is a key rotation: put the new key first in
// SHIPFLOW_SECRET_KEYS on every replica, run the pass (shipflow migrate, or shipflow secrets
// reseal), then drop the old key.
//
// Many replicas may run it at once: each batch is a transaction that locks its rows in id
// order, so a second pass waits for the first and finds nothing left to do. An endpoint with a
// value no key opens is left as it is, in Unopened, and the pass goes on; the error is
// Postgres's.
func Reseal(ctx context.Context, ex db.Executor, c *payload.Codec) (Resealed, error) {
	var (
		done  Resealed
		after string
	)
	if c == nil {
		return done, payload.ErrNoKeys
	}
	for {
		var n int
		err := pgx.BeginFunc(ctx, ex, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `
				SELECT id, kind, url, COALESCE(url_sealed, ''), secret, previous_secret, headers, credentials
				FROM webhook_endpoints WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE`, after, resealBatch)
			if err != nil {
				return err
			}
			stored, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) {
				var e Endpoint
				err := r.Scan(&e.ID, &e.Kind, &e.URL, &e.URLSealed, &e.Secret, &e.Previous, &e.Headers, &e.Credentials)
				return e, err
			})
			if err != nil {
				return err
			}
			n = len(stored)
			for _, e := range stored {
				after = e.ID
				r, values, err := resealEndpoint(c, e)
				if err != nil {
					done.Unopened = append(done.Unopened, fmt.Errorf("endpoint %s: %w", e.ID, err))
					continue
				}
				if values == 0 {
					continue
				}
				if _, err := tx.Exec(ctx, `
					UPDATE webhook_endpoints SET url = $2, url_sealed = NULLIF($3, ''), secret = $4,
						previous_secret = $5, headers = $6, credentials = $7
					WHERE id = $1`, r.ID, r.URL, r.URLSealed, r.Secret, r.Previous, map[string]string(r.Headers), sqlJSON(r.Credentials)); err != nil {
					return fmt.Errorf("reseal endpoint %s: %w", e.ID, err)
				}
				done.Endpoints++
				done.Values += values
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("reseal secrets: %w", err)
		}
		if n < resealBatch {
			return done, nil
		}
	}
}

// resealEndpoint is e with every secret as c would store it now, and how many values changed.
func resealEndpoint(c *payload.Codec, e Endpoint) (Endpoint, int, error) {
	changed := 0
	reseal := func(v *string, label string) error {
		s, ch, err := c.Reseal(*v, label)
		if err != nil {
			return err
		}
		if ch {
			*v, changed = s, changed+1
		}
		return nil
	}
	if err := reseal(&e.Secret, labelSecret); err != nil {
		return e, 0, fmt.Errorf("secret: %w", err)
	}
	if e.Previous != "" {
		if err := reseal(&e.Previous, labelPrevious); err != nil {
			return e, 0, fmt.Errorf("previous secret: %w", err)
		}
	}
	h := make(Headers, len(e.Headers))
	for name, v := range e.Headers {
		if err := reseal(&v, headerLabel(name)); err != nil {
			return e, 0, fmt.Errorf("header %s: %w", quoteName(name), err)
		}
		h[name] = v
	}
	e.Headers = h
	if e.Credentials != nil {
		creds := make(Credentials, len(e.Credentials))
		for name, v := range e.Credentials {
			if err := reseal(&v, credentialLabel(name)); err != nil {
				return e, 0, fmt.Errorf("credential %s: %w", name, err)
			}
			creds[name] = v
		}
		e.Credentials = creds
	}
	switch {
	case e.Kind.SecretURL() && e.URLSealed == "":
		// Stored whole before secret URLs were sealed: sealed, and only its mask kept in url.
		whole := e.URL
		e.URLSealed, e.URL = whole, MaskURL(whole)
		if err := reseal(&e.URLSealed, labelURL); err != nil {
			return e, 0, fmt.Errorf("url: %w", err)
		}
	case e.URLSealed != "":
		if err := reseal(&e.URLSealed, labelURL); err != nil {
			return e, 0, fmt.Errorf("url: %w", err)
		}
	}
	return e, changed, nil
}
