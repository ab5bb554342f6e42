package admin

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of this API, checked in as openapi.json.
// A test fails when a registered route is missing from it.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPI)
	return err
}
