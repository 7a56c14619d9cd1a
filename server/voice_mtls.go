package server

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/config"
	"github.com/shipflow/shipflow/engine"
)

// The mTLS voice listener (SHIPFLOW_VOICE_MTLS_ADDR): voice platforms offer "Bearer tokens or
// mTLS" to reach a tool server, and with mTLS the platform presents a client certificate from
// a CA the operator names. The listener serves /voice alone (NewListeners), and its TLS
// handshake refuses a client without a certificate that chains to SHIPFLOW_VOICE_CLIENT_CA,
// before any HTTP is read.

// VoiceTLSConfig is the TLS of the mTLS voice listener: its certificate, TLS 1.2 at least, and
// a client certificate required and verified against the client CAs.
func VoiceTLSConfig(m config.VoiceMTLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(m.CertFile, m.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("voice mTLS listener: certificate %s with key %s: %w", m.CertFile, m.KeyFile, err)
	}
	cas, err := engine.LoadCA(m.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("voice mTLS listener: client CAs: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    cas,
	}, nil
}

// maxShownName is as much of a certificate's common name as an error message repeats.
const maxShownName = 64

// certAuth admits a request to a route of the mTLS listener by its verified client certificate
// (the handshake has checked the chain), whose subject common name must be one of m.Names when
// any are set, and attributes it to that name (access.WithActor). In the certificate-and-token
// mode a voice bearer token is required too, as the main listener requires it (tokenAuth),
// and the request is attributed to the token.
func certAuth(m config.VoiceMTLS, tokenAuth func(signed bool) echo.MiddlewareFunc) func(signed bool) echo.MiddlewareFunc {
	return func(signed bool) echo.MiddlewareFunc {
		var token echo.MiddlewareFunc
		if m.Mode == config.VoiceCertificateAndToken {
			token = tokenAuth(signed)
		}
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			if token != nil {
				next = token(next)
			}
			return func(c echo.Context) error {
				st := c.Request().TLS
				if st == nil || len(st.VerifiedChains) == 0 || len(st.VerifiedChains[0]) == 0 {
					return errorf(http.StatusUnauthorized, codeUnauthorized, "a client certificate is required")
				}
				name := st.VerifiedChains[0][0].Subject.CommonName
				if len(m.Names) > 0 && !slices.Contains(m.Names, name) {
					if len(name) > maxShownName {
						name = name[:maxShownName]
					}
					return errorf(http.StatusUnauthorized, codeUnauthorized, "client certificate %q is not admitted (SHIPFLOW_VOICE_CLIENT_NAMES)", name)
				}
				r := c.Request()
				c.SetRequest(r.WithContext(access.WithActor(r.Context(),
					access.Actor{Name: name, Via: access.ViaVoice, Scopes: []access.Scope{access.ScopeVoice}})))
				return next(c)
			}
		}
	}
}
