package api_test

import (
	"net/http"
	"testing"

	"github.com/mailmeter/mailmeter/api"
)

func TestSmoke(t *testing.T) {
	e := sqliteEnv(t)
	admin := token(t, api.RoleAdmin, "ops")
	for _, p := range []string{"/healthz", "/readyz", "/openapi.yaml", "/v1/customers", "/v1/mailboxes/alice@acme.example/quota", "/v1/mailboxes/alice@acme.example/usage"} {
		rec := e.do(http.MethodGet, p, admin, nil)
		if rec.Code != 200 {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body.String())
		}
	}
}
