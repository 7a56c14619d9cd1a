package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPI describes the whole HTTP surface; a test keeps it and the routes in step.
//
//go:embed openapi.yaml
var openAPI []byte

func (s *server) openAPIDocument(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPI)
}
