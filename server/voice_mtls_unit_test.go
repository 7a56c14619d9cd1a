package server

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/shipflow/shipflow/access"
	"github.com/shipflow/shipflow/config"
)

// TestCertAuthActor: a request admitted by its client certificate is attributed to the
// certificate's common name, as a voice platform with the voice scope.
func TestCertAuthActor(t *testing.T) {
	e := echo.New()
	var got access.Actor
	h := certAuth(config.VoiceMTLS{Mode: config.VoiceCertificate}, nil)(false)(func(c echo.Context) error {
		got, _ = access.ActorFrom(c.Request().Context())
		return c.NoContent(http.StatusNoContent)
	})
	req := httptest.NewRequest(http.MethodPost, "/voice/tools", nil)
	req.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{Subject: pkix.Name{CommonName: "vapi"}}}}}
	if err := h(e.NewContext(req, httptest.NewRecorder())); err != nil {
		t.Fatal(err)
	}
	if got.Name != "vapi" || got.Via != access.ViaVoice || !got.Can(access.ScopeVoice) || got.Can(access.ScopeAdmin) {
		t.Errorf("actor %+v", got)
	}
	if err := h(e.NewContext(httptest.NewRequest(http.MethodPost, "/voice/tools", nil), httptest.NewRecorder())); err == nil {
		t.Error("a request without a verified certificate was admitted")
	}
}
