package outbound

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/shipflow/shipflow/apierr"
	"github.com/shipflow/shipflow/payload"
)

// Credentials are a connector's credentials as stored: each name in clear (the API lists
// them), each value sealed under SHIPFLOW_SECRET_KEYS (payload.Codec.SealText), so neither the
// database nor its backups hold a usable token. A webhook or a feed has none.
type Credentials map[string]string

// Limits of credentials, checked before anything is sealed.
const (
	maxCredentials       = 8
	maxCredentialNameLen = 64
	maxCredentialLen     = 4096
)

// credentialLabel binds a sealed value to its column and name: a value copied under another
// name, or into another column, does not open.
func credentialLabel(name string) string { return "webhook_endpoints.credentials." + name }

// checkCredentials refuses credentials kind k does not take: a required name missing, an
// unknown name, a value too long or with anything but printable ASCII (tokens, keys and
// secrets are; a space or a line break is a paste gone wrong, and a header injection).
func checkCredentials(k Kind, creds map[string]string) error {
	c, ok := connectors[k]
	if !ok {
		if len(creds) > 0 {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials: a %s destination takes none", k)
		}
		return nil
	}
	if len(creds) > maxCredentials {
		return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials: at most %d", maxCredentials)
	}
	for _, name := range slices.Sorted(maps.Keys(creds)) {
		if len(name) > maxCredentialNameLen || (!slices.Contains(c.Credentials, name) && !slices.Contains(c.Optional, name)) {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField, "credentials: a %s connector takes %s, not %q",
				k, strings.Join(slices.Concat(c.Credentials, c.Optional), ", "), truncate(name, maxCredentialNameLen))
		}
		v := creds[name]
		if v == "" || len(v) > maxCredentialLen || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return apierr.Errorf(http.StatusBadRequest, apierr.InvalidField,
				"credentials.%s: must be 1 to %d printable ASCII characters without spaces", name, maxCredentialLen)
		}
	}
	for _, name := range c.Credentials {
		if _, ok := creds[name]; !ok {
			return apierr.Errorf(http.StatusBadRequest, apierr.MissingField, "credentials.%s is required for a %s connector", name, k)
		}
	}
	return nil
}

// seal seals every value of plain.
func sealCredentials(codec *payload.Codec, plain map[string]string) (Credentials, error) {
	sealed := make(Credentials, len(plain))
	for name, v := range plain {
		s, err := codec.SealText([]byte(v), credentialLabel(name))
		if errors.Is(err, payload.ErrNoKeys) {
			return nil, apierr.Errorf(http.StatusConflict, apierr.Conflict, "credentials cannot be kept: %v", err)
		}
		if err != nil {
			return nil, err
		}
		sealed[name] = s
	}
	return sealed, nil
}

// Open is c with every value opened, for one attempt.
func (c Credentials) Open(codec *payload.Codec) (map[string]string, error) {
	plain := make(map[string]string, len(c))
	for name, s := range c {
		v, err := codec.OpenText(s, credentialLabel(name))
		if err != nil {
			return nil, fmt.Errorf("credential %s: %w", name, err)
		}
		plain[name] = string(v)
	}
	return plain, nil
}

// Masked is c as the API shows it: every name, no value.
func (c Credentials) Masked() map[string]string {
	if c == nil {
		return nil
	}
	out := make(map[string]string, len(c))
	for name := range c {
		out[name] = "********"
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sqlJSON is c as a query argument: SQL NULL, not JSON null, when there are none, so a
// webhook has no credentials and an update that sets none keeps a connector's.
func sqlJSON(c Credentials) any {
	if c == nil {
		return nil
	}
	return c
}
