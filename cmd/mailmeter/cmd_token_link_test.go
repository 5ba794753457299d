package main

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
)

// token create --link prints a console link carrying a valid token in the
// URL fragment.
func TestTokenCreateLink(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef-link"
	vars := map[string]string{"MAILMETER_JWT_SECRET": secret, "MAILMETER_LISTEN": "127.0.0.1:9999"}
	for _, tt := range []struct {
		args []string
		base string
	}{
		{nil, "http://127.0.0.1:9999/ui/#token="},
		{[]string{"--url", "https://mailmeter.example.com/"}, "https://mailmeter.example.com/ui/#token="},
	} {
		r := runCLI(t, vars, append([]string{"token", "create", "--role", "customer", "--subject", "acme", "--link"}, tt.args...)...)
		tok, ok := strings.CutPrefix(strings.TrimSpace(r.stdout), tt.base)
		if r.code != 0 || !ok {
			t.Fatalf("token create --link %v: %+v", tt.args, r)
		}
		v, err := api.NewVerifier(api.AuthConfig{Issuer: "mailmeter", Audience: "mailmeter", Secret: []byte(secret)}, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := v.Verify(tok); err != nil || p.Role != api.RoleCustomer || p.Subject != "acme" {
			t.Errorf("the link's token: %+v, %v", p, err)
		}
	}
}
