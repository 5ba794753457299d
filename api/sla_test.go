package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// The report of the month so far: probe downtime of the HA pair merged
// with an incident the monitor posted, the customer's mail, the credit of
// its plan; every response matches the spec (checked by e.do).
func TestSLAReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		if _, err := directory.NewService(s, clock).UpdateCustomer(ctx, "acme", directory.CustomerPatch{Plan: ptr("standard"), Timezone: ptr("Europe/Berlin")}); err != nil {
			t.Fatal(err)
		}
		// Both smtp probes fail 10:00–10:20 UTC on November 3rd; the
		// monitor saw it until 10:30.
		b := metering.Batch{Counters: []metering.CounterDelta{
			{Mailbox: "alice@acme.example", Metric: metering.InMessages, Hour: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Value: 90},
			{Mailbox: "alice@acme.example", Metric: metering.RejectedIn, Hour: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Value: 10},
			{Mailbox: "carol@globex.example", Metric: metering.InMessages, Hour: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Value: 1000},
		}}
		start := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
		for at := start.Add(-time.Hour + 20*time.Second); at.Before(start.Add(2 * time.Hour)); at = at.Add(time.Minute) {
			down := !at.Before(start) && at.Before(start.Add(20*time.Minute))
			b.Checks = append(b.Checks, metering.ProbeCheck{Probe: "mx1", At: at, Up: !down}, metering.ProbeCheck{Probe: "mx2", At: at, Up: !down})
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		monitor := token(t, api.RoleService, "pingdom")
		rec := e.do("POST", "/v1/sla/incidents", monitor, `{"service":"smtp","start":"2026-11-03T10:10:00Z","end":"2026-11-03T10:30:00Z","reason":"Pingdom: smtp down"}`)
		if rec.Code != http.StatusCreated || rec.Header().Get("Location") == "" {
			t.Fatalf("add incident: %d %s", rec.Code, rec.Body.String())
		}
		rec = e.do("GET", "/v1/sla/report?period=2026-11", token(t, api.RoleCustomer, "acme"), nil)
		if rec.Code != 200 {
			t.Fatalf("report: %d %s", rec.Code, rec.Body.String())
		}
		rep := decode[sla.Report](t, rec)
		if rep.Customer != "acme" || rep.Timezone != "Europe/Berlin" || rep.Complete || len(rep.Services) != 2 {
			t.Fatalf("report %+v", rep)
		}
		smtp := rep.Services[1]
		// From 01:00 CET on the 1st to 13:30 CET on the 10th.
		if smtp.Service != "smtp" || smtp.Minutes != 9*1440+13*60+30 || smtp.DowntimeMinutes != 30 || len(smtp.Downtime) != 1 ||
			smtp.Downtime[0].Cause != sla.CauseBoth || smtp.Downtime[0].Start.Format("15:04 -0700") != "11:00 +0100" || len(smtp.Incidents) != 1 {
			t.Errorf("smtp %+v", smtp)
		}
		if m := rep.Mail.Inbound; m.Delivered != 90 || m.Rejected != 10 || m.RejectRate != 0.1 {
			t.Errorf("acme's inbound mail %+v (globex's must not count)", m)
		}
		if len(rep.Credits) != 1 || rep.Credits[0].Plan != "standard" || rep.Credits[0].Credit.Service != "smtp" || rep.Credits[0].Credit.CreditBP != 2500 {
			t.Errorf("credits %+v", rep.Credits)
		}
		// The admin's service-wide report is in UTC with every plan.
		rec = e.do("GET", "/v1/sla/report?period=2026-11", token(t, api.RoleAdmin, "ops"), nil)
		if all := decode[sla.Report](t, rec); rec.Code != 200 || all.Timezone != "UTC" || all.Mail.Inbound.Delivered != 1090 || len(all.Credits) != 2 {
			t.Errorf("service-wide: %d %+v", rec.Code, all)
		}
	})
}

// Bad input gets 400 naming the field; another customer's report and a
// missing window 404.
func TestSLABadInput(t *testing.T) {
	e := sqliteEnv(t)
	admin, acme := token(t, api.RoleAdmin, "ops"), token(t, api.RoleCustomer, "acme")
	for _, tt := range []struct {
		method, path, body, field string
		status                    int
	}{
		{"GET", "/v1/sla/report?period=2026-13", "", "period", 400},
		{"GET", "/v1/sla/report?period=2027-01", "", "period", 400},
		{"GET", "/v1/sla/report?customer=nobody", "", "customer", 404},
		{"POST", "/v1/sla/incidents", `{"service":"SMTP","start":"2026-11-01T00:00:00Z","end":"2026-11-01T01:00:00Z"}`, "service", 400},
		{"POST", "/v1/sla/incidents", `{"service":"smtp","start":"yesterday","end":"2026-11-01T01:00:00Z"}`, "start", 400},
		{"POST", "/v1/sla/incidents", `{"service":"smtp","start":"2026-11-01T02:00:00Z","end":"2026-11-01T01:00:00Z"}`, "end", 400},
		{"POST", "/v1/sla/incidents", `{"service":"smtp","start":"2026-12-01T02:00:00Z","end":"2026-12-01T03:00:00Z"}`, "start", 400},
		{"POST", "/v1/sla/incidents", `{"service":"smtp","start":"2026-11-01T00:00:00Z"}`, "end", 400},
		{"POST", "/v1/sla/incidents", `{"service":"smtp","begin":"2026-11-01T00:00:00Z"}`, "begin", 400},
		{"POST", "/v1/sla/maintenance", `{"service":"smtp","start":"2026-12-01T00:00:00Z","end":"2026-12-01T01:00:00Z","announced":"2026-12-01T00:00:00Z"}`, "announced", 400},
		{"POST", "/v1/sla/maintenance", `{"service":"smtp","start":"2026-12-01T00:00:00Z","end":"2027-12-03T01:00:00Z"}`, "end", 400},
		{"DELETE", "/v1/sla/maintenance/x", "", "id", 400},
		{"DELETE", "/v1/sla/maintenance/99", "", "id", 404},
		{"DELETE", "/v1/sla/incidents/0", "", "id", 400},
	} {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		rec := e.do(tt.method, tt.path, admin, body)
		kind := "invalid"
		if tt.status == 404 {
			kind = "not_found"
		}
		problem(t, rec, tt.status, kind, tt.field)
	}
	rec := e.do("GET", "/v1/sla/report?customer=globex", acme, nil)
	problem(t, rec, 404, "not_found", "")
	// Nothing was stored by the refused requests.
	if list := decode[struct{ Items []sla.Incident }](t, e.do("GET", "/v1/sla/incidents", admin, nil)); len(list.Items) != 0 {
		t.Errorf("incidents after refusals: %+v", list.Items)
	}
}

// Windows are listed by start, filtered by service and range, and deleted.
func TestSLAMaintenanceLifecycle(t *testing.T) {
	e := sqliteEnv(t)
	admin := token(t, api.RoleAdmin, "ops")
	for _, b := range []string{
		`{"service":"smtp","start":"2026-12-05T01:00:00Z","end":"2026-12-05T02:00:00Z","announced":"2026-11-01T00:00:00Z","reason":"kernel"}`,
		`{"service":"imap","start":"2026-11-20T01:00:00Z","end":"2026-11-20T02:00:00Z"}`,
	} {
		if rec := e.do("POST", "/v1/sla/maintenance", admin, b); rec.Code != 201 {
			t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
		}
	}
	list := decode[struct{ Items []sla.Maintenance }](t, e.do("GET", "/v1/sla/maintenance", admin, nil))
	if len(list.Items) != 2 || list.Items[0].Service != "imap" || !list.Items[0].Announced.Equal(t0) || list.Items[1].Reason != "kernel" {
		t.Fatalf("list %+v", list.Items)
	}
	if l := decode[struct{ Items []sla.Maintenance }](t, e.do("GET", "/v1/sla/maintenance?service=smtp&from=2026-12-05T01:30:00Z", admin, nil)); len(l.Items) != 1 {
		t.Errorf("smtp's from 01:30: %+v", l.Items)
	}
	if rec := e.do("DELETE", "/v1/sla/maintenance/"+strconv.FormatInt(list.Items[0].ID, 10), admin, nil); rec.Code != 204 {
		t.Errorf("delete: %d", rec.Code)
	}
	if l := decode[struct{ Items []sla.Maintenance }](t, e.do("GET", "/v1/sla/maintenance", admin, nil)); len(l.Items) != 1 || l.Items[0].Service != "smtp" {
		t.Errorf("after delete: %+v", l.Items)
	}
}
