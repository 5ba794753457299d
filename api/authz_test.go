package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/billing"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

// caller is one column of the matrix: a role with its subject (own tenant
// = acme; the mailbox caller is alice@acme.example).
type caller struct {
	name    string
	role    api.Role
	subject string
}

var callers = []caller{
	{"none", "", ""},
	{"admin", api.RoleAdmin, "ops"},
	{"customer", api.RoleCustomer, "acme"},
	{"mailbox", api.RoleMailbox, "alice@acme.example"},
	{"service", api.RoleService, "mx1"},
}

// matrixRoute is one route with an own-tenant and an other-tenant request
// and the exact status each caller gets: {own, other}. "%s" in paths and
// bodies is replaced by the caller's name, so creations do not collide.
type matrixRoute struct {
	method     string
	own, other string
	ownBody    string
	otherBody  string
	want       map[string][2]int
}

func TestAuthorizationMatrix(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	dir := directory.NewService(e.store, clock)
	invs := billing.NewInvoices(e.store, clock)
	for _, c := range callers {
		for _, d := range []string{"acme", "globex"} {
			if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "del-" + c.name + "@" + d + ".example"}); err != nil {
				t.Fatal(err)
			}
			// Things to remove and move, one per caller and tenant.
			if _, err := dir.AddCustomer(ctx, directory.CustomerInput{ID: "rm-" + c.name + "-" + d, Name: "R"}); err != nil {
				t.Fatal(err)
			}
			draft := billing.Record{ID: "fin-" + c.name + "-" + d, Customer: d, Status: billing.Draft,
				Invoice: billing.Invoice{Customer: d, Currency: "EUR", Period: billing.Month(2026, time.October, time.UTC), Net: 100, Tax: 19, Total: 119}, ComputedAt: t0}
			if err := invs.SaveDraft(ctx, draft); err != nil {
				t.Fatal(err)
			}
			for _, prefix := range []string{"rm-", "mv-"} {
				if _, err := dir.AddDomain(ctx, directory.DomainInput{Name: prefix + c.name + "." + d + ".example", CustomerID: d}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, d := range []string{"acme", "globex"} {
		if err := invs.SaveDraft(ctx, billing.Record{ID: d + "-2026-10", Customer: d, Status: billing.Draft,
			Invoice: billing.Invoice{Customer: d, Currency: "EUR", Period: billing.Month(2026, time.October, time.UTC)}, ComputedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.Commit(ctx, metering.Batch{Checkpoint: &metering.Checkpoint{Source: "seeded", Seq: 1, Offset: 10}}); err != nil {
		t.Fatal(err)
	}
	// Incidents and maintenance windows 1 and 2, for the admin to delete.
	for range 2 {
		if _, err := e.store.AddIncident(ctx, sla.Incident{Service: "smtp", Start: t0.Add(-time.Hour), End: t0, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.AddMaintenance(ctx, sla.Maintenance{Service: "smtp", Start: t0, End: t0.Add(time.Hour), Announced: t0, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	const (
		ok, created, noContent = http.StatusOK, http.StatusCreated, http.StatusNoContent
		unauth, forbidden, nf  = http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound
	)
	same := func(n int) [2]int { return [2]int{n, n} }
	adminOnly := func(n int) map[string][2]int {
		return map[string][2]int{"none": same(unauth), "admin": same(n), "customer": same(forbidden), "mailbox": same(forbidden), "service": same(forbidden)}
	}
	tenant := map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": {ok, nf}, "mailbox": same(forbidden), "service": same(forbidden)}
	tenantList := map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": same(ok), "mailbox": same(forbidden), "service": same(forbidden)}
	own := map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": {ok, nf}, "mailbox": {ok, nf}, "service": same(forbidden)}
	quotaReaders := map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": {ok, nf}, "mailbox": {ok, nf}, "service": same(ok)}
	ingest := map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": same(forbidden), "mailbox": same(forbidden), "service": same(ok)}
	sources := map[string][2]int{"none": same(unauth), "admin": {ok, nf}, "customer": same(forbidden), "mailbox": same(forbidden), "service": {ok, nf}}
	reporters := map[string][2]int{"none": same(unauth), "admin": same(created), "customer": same(forbidden), "mailbox": same(forbidden), "service": same(created)}

	routes := []matrixRoute{
		{method: "POST", own: "/v1/customers", other: "/v1/customers",
			ownBody: `{"id":"new-%s-1","name":"N"}`, otherBody: `{"id":"new-%s-2","name":"N"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/customers", other: "/v1/customers", want: tenantList},
		{method: "GET", own: "/v1/customers/acme", other: "/v1/customers/globex", want: tenant},
		{method: "PATCH", own: "/v1/customers/acme", other: "/v1/customers/globex",
			ownBody: `{"plan":"gold"}`, otherBody: `{"plan":"gold"}`, want: adminOnly(ok)},
		{method: "DELETE", own: "/v1/customers/rm-%s-acme", other: "/v1/customers/rm-%s-globex", want: adminOnly(noContent)},
		{method: "GET", own: "/v1/customers/acme/usage", other: "/v1/customers/globex/usage", want: tenant},
		// Both have a plan since the PATCH above.
		{method: "GET", own: "/v1/customers/acme/invoice-preview", other: "/v1/customers/globex/invoice-preview", want: tenant},
		{method: "POST", own: "/v1/domains", other: "/v1/domains",
			ownBody: `{"domain":"%s.acme-new.example","customer":"acme"}`, otherBody: `{"domain":"%s.globex-new.example","customer":"globex"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/domains", other: "/v1/domains?customer=globex", want: tenantList},
		{method: "GET", own: "/v1/domains/acme.example", other: "/v1/domains/globex.example", want: tenant},
		{method: "PATCH", own: "/v1/domains/mv-%s.acme.example", other: "/v1/domains/mv-%s.globex.example",
			ownBody: `{"customer":"acme"}`, otherBody: `{"customer":"globex"}`, want: adminOnly(ok)},
		{method: "DELETE", own: "/v1/domains/rm-%s.acme.example", other: "/v1/domains/rm-%s.globex.example", want: adminOnly(noContent)},
		{method: "GET", own: "/v1/domains/acme.example/usage", other: "/v1/domains/globex.example/usage", want: tenant},
		{method: "POST", own: "/v1/mailboxes", other: "/v1/mailboxes",
			ownBody: `{"address":"new-%s@acme.example"}`, otherBody: `{"address":"new-%s@globex.example"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/mailboxes", other: "/v1/mailboxes?domain=globex.example", want: tenantList},
		{method: "GET", own: "/v1/mailboxes/alice@acme.example", other: "/v1/mailboxes/carol@globex.example", want: own},
		{method: "DELETE", own: "/v1/mailboxes/del-%s@acme.example", other: "/v1/mailboxes/del-%s@globex.example", want: adminOnly(noContent)},
		{method: "GET", own: "/v1/mailboxes/alice@acme.example/usage", other: "/v1/mailboxes/carol@globex.example/usage", want: own},
		{method: "GET", own: "/v1/mailboxes/alice@acme.example/quota", other: "/v1/mailboxes/carol@globex.example/quota", want: quotaReaders},
		{method: "GET", own: "/v1/mailboxes/alice@acme.example/limits", other: "/v1/mailboxes/carol@globex.example/limits", want: adminOnly(ok)},
		{method: "PUT", own: "/v1/mailboxes/alice@acme.example/limits", other: "/v1/mailboxes/carol@globex.example/limits",
			ownBody: `{"storage_hard_bytes":1000}`, otherBody: `{"storage_hard_bytes":1000}`, want: adminOnly(ok)},
		{method: "DELETE", own: "/v1/mailboxes/alice@acme.example/limits", other: "/v1/mailboxes/carol@globex.example/limits",
			want: adminOnly(noContent)}, // both set by the PUT above
		{method: "PUT", own: "/v1/plans/gold/limits", other: "/v1/plans/basic/limits",
			ownBody: `{"storage_hard_bytes":1000}`, otherBody: `{"storage_hard_bytes":2000}`, want: adminOnly(ok)},
		{method: "GET", own: "/v1/plans/gold/limits", other: "/v1/plans/basic/limits", want: adminOnly(ok)},
		{method: "POST", own: "/v1/plans", other: "/v1/plans",
			ownBody: `{"id":"p-%s-1","currency":"EUR","mailbox_fee":"4.00"}`, otherBody: `{"id":"p-%s-2","currency":"JPY","mailbox_fee":"550"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/plans", other: "/v1/plans?limit=1", want: adminOnly(ok)},
		// acme and globex are on gold since the PATCH above: a customer reads its own plan only.
		{method: "GET", own: "/v1/plans/gold", other: "/v1/plans/standard", want: tenant},
		{method: "PUT", own: "/v1/plans/gold", other: "/v1/plans/standard",
			ownBody: `{"mailbox_fee":"9.50","effective_from":"2026-12-01"}`, otherBody: `{"mailbox_fee":"5.50","effective_from":"2026-12-01"}`, want: adminOnly(ok)},
		{method: "GET", own: "/v1/invoices", other: "/v1/invoices?customer=globex", want: tenantList},
		{method: "GET", own: "/v1/invoices/acme-2026-10", other: "/v1/invoices/globex-2026-10", want: tenant},
		{method: "POST", own: "/v1/invoices/run", other: "/v1/invoices/run",
			ownBody: `{"period":"2026-10","customer":"acme"}`, otherBody: `{"period":"2026-10","customer":"globex"}`, want: adminOnly(ok)},
		{method: "POST", own: "/v1/invoices/fin-%s-acme/finalize", other: "/v1/invoices/fin-%s-globex/finalize", want: adminOnly(ok)},
		{method: "POST", own: "/v1/invoices/fin-%s-acme/credit-notes", other: "/v1/invoices/fin-%s-globex/credit-notes",
			ownBody: `{"reason":"goodwill"}`, otherBody: `{"reason":"goodwill"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/latency?domain=acme.example", other: "/v1/latency?domain=globex.example",
			want: map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": {ok, nf}, "mailbox": same(forbidden), "service": same(forbidden)}},
		{method: "GET", own: "/v1/availability", other: "/v1/availability?from=2026-10-01T00:00:00Z", want: tenantList},
		{method: "GET", own: "/v1/usage/unknown", other: "/v1/usage/unknown?sort=tempfailed_in", want: adminOnly(ok)},
		{method: "GET", own: "/v1/sla/blacklists", other: "/v1/sla/blacklists?from=2026-10-01T00:00:00Z", want: adminOnly(ok)},
		{method: "GET", own: "/v1/quota/check?recipient=alice@acme.example", other: "/v1/quota/check?recipient=carol@globex.example", want: ingest},
		{method: "POST", own: "/v1/ingest", other: "/v1/ingest",
			ownBody: `{"source":"src-%s-1","seq":1,"from_offset":0,"to_offset":5}`, otherBody: `{"source":"src-%s-2","seq":1,"from_offset":0,"to_offset":5}`, want: ingest},
		{method: "GET", own: "/v1/ingest/sources/seeded", other: "/v1/ingest/sources/missing", want: sources},
		{method: "GET", own: "/v1/sla/report", other: "/v1/sla/report?customer=globex", want: tenant},
		{method: "POST", own: "/v1/sla/incidents", other: "/v1/sla/incidents",
			ownBody:   `{"service":"smtp","start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:10:00Z","reason":"%s"}`,
			otherBody: `{"service":"imap","start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:10:00Z"}`, want: reporters},
		{method: "GET", own: "/v1/sla/incidents", other: "/v1/sla/incidents?service=imap", want: adminOnly(ok)},
		{method: "DELETE", own: "/v1/sla/incidents/1", other: "/v1/sla/incidents/2", want: adminOnly(noContent)},
		{method: "POST", own: "/v1/sla/maintenance", other: "/v1/sla/maintenance",
			ownBody:   `{"service":"smtp","start":"2026-12-01T00:00:00Z","end":"2026-12-01T01:00:00Z","reason":"%s"}`,
			otherBody: `{"service":"imap","start":"2026-12-01T00:00:00Z","end":"2026-12-01T01:00:00Z"}`, want: adminOnly(created)},
		{method: "GET", own: "/v1/sla/maintenance", other: "/v1/sla/maintenance?service=imap", want: adminOnly(ok)},
		{method: "DELETE", own: "/v1/sla/maintenance/1", other: "/v1/sla/maintenance/2", want: adminOnly(noContent)},
		{method: "GET", own: "/v1/traffic", other: "/v1/traffic?scope=hosted", want: adminOnly(ok)},
		{method: "GET", own: "/v1/latency/series?domain=acme.example", other: "/v1/latency/series?domain=globex.example",
			want: map[string][2]int{"none": same(unauth), "admin": same(ok), "customer": {ok, nf}, "mailbox": same(forbidden), "service": same(forbidden)}},
		{method: "GET", own: "/v1/usage/top", other: "/v1/usage/top?metric=in_bytes", want: adminOnly(ok)},
		{method: "GET", own: "/v1/quotas", other: "/v1/quotas?customer=globex", want: tenant},
		{method: "GET", own: "/v1/quotas?domain=acme.example", other: "/v1/quotas?domain=globex.example", want: tenant},
		{method: "GET", own: "/v1/estimates", other: "/v1/estimates?customer=globex", want: tenant},
		{method: "GET", own: "/v1/collectors", other: "/v1/collectors", want: adminOnly(ok)},
		// Last: an admin revoking its own token would lock it out of the rest.
		{method: "DELETE", own: "/v1/tokens/some-%s-token", other: "/v1/tokens/other-%s-token", want: adminOnly(noContent)},
	}
	covered := map[string]bool{}
	for _, r := range routes {
		covered[r.method+" "+strings.SplitN(r.own, "?", 2)[0]] = true
	}
	for _, rt := range e.router.(*gin.Engine).Routes() {
		if !strings.HasPrefix(rt.Path, "/v1/") {
			continue
		}
		found := false
		for k := range covered {
			if m, p, _ := strings.Cut(k, " "); m == rt.Method && pathMatches(rt.Path, p) {
				found = true
			}
		}
		if !found {
			t.Errorf("route %s %s is missing from the authorization matrix", rt.Method, rt.Path)
		}
	}
	for _, r := range routes {
		for _, c := range callers {
			tok := ""
			if c.role != "" {
				tok = token(t, c.role, c.subject)
			}
			for i, tenantName := range []string{"own", "other"} {
				path, body := r.own, r.ownBody
				if i == 1 {
					path, body = r.other, r.otherBody
				}
				path = strings.ReplaceAll(path, "%s", c.name)
				var b any
				if body != "" {
					b = strings.ReplaceAll(body, "%s", c.name)
				}
				want := r.want[c.name][i]
				t.Run(fmt.Sprintf("%s %s/%s/%s", r.method, r.own, c.name, tenantName), func(t *testing.T) {
					rec := e.do(r.method, path, tok, b)
					if rec.Code != want {
						t.Errorf("%s %s as %s: status %d, want %d; body %s", r.method, path, c.name, rec.Code, want, rec.Body.String())
					}
				})
			}
		}
	}
}

// A customer's lists hold only its own things, whatever filter it asks for.
func TestCustomerListsAreScoped(t *testing.T) {
	e := sqliteEnv(t)
	tok := token(t, api.RoleCustomer, "acme")
	for _, path := range []string{"/v1/mailboxes", "/v1/mailboxes?customer=globex", "/v1/domains?customer=globex", "/v1/customers", "/v1/quotas", "/v1/estimates"} {
		body := e.do("GET", path, tok, nil).Body.String()
		if strings.Contains(body, "globex") {
			t.Errorf("%s leaks another tenant: %s", path, body)
		}
	}
}

// pathMatches reports whether a concrete path fits a gin route pattern.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, p := range ps {
		switch {
		case strings.HasPrefix(p, "*"):
			return len(xs) > i
		case i >= len(xs):
			return false
		case strings.HasPrefix(p, ":"):
			if xs[i] == "" {
				return false
			}
		case p != xs[i]:
			return false
		}
	}
	return len(ps) == len(xs)
}
