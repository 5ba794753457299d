package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/api"
	"github.com/mailmeter/mailmeter/metering"
)

// seedUsage commits usage for acme's and globex's mailboxes around t0.
func seedUsage(t *testing.T, e *env) {
	t.Helper()
	rec := metering.NewRecorder(e.store, e.view.Apply)
	day := t0.Truncate(24 * time.Hour)
	for h := range 48 {
		at := day.Add(-24 * time.Hour).Add(time.Duration(h) * time.Hour)
		rec.Count(metering.Event{Time: at, Mailbox: "alice@acme.example", Metric: metering.InBytes, Value: 100})
		rec.Count(metering.Event{Time: at, Mailbox: "bob@acme.example", Metric: metering.OutBytes, Value: 1000})
	}
	rec.Count(metering.Event{Time: t0, Mailbox: "alice@acme.example", Metric: metering.OutBytes, Value: 700})
	rec.Count(metering.Event{Time: t0, Mailbox: "alice@acme.example", Metric: metering.OutRecipients, Value: 9})
	rec.Count(metering.Event{Time: t0, Mailbox: "carol@globex.example", Metric: metering.OutBytes, Value: 99999})
	rec.Storage(metering.StorageSample{Time: t0.Add(-2 * time.Hour), Mailbox: "alice@acme.example", Bytes: 500 << 10, Messages: 40})
	rec.Storage(metering.StorageSample{Time: t0, Mailbox: "alice@acme.example", Bytes: 900 << 10, Messages: 90})
	rec.Latency(metering.LatencySample{Time: t0, Direction: metering.Inbound, Domain: "acme.example", Delay: 2 * time.Second})
	rec.Latency(metering.LatencySample{Time: t0, Direction: metering.Inbound, Domain: "acme.example", Delay: 90 * time.Second})
	if err := rec.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

type seriesResp struct {
	Granularity string `json:"granularity"`
	Timezone    string `json:"timezone"`
	Points      []struct {
		Start    time.Time        `json:"start"`
		Counters map[string]int64 `json:"counters"`
		Gauges   map[string]int64 `json:"gauges"`
	} `json:"points"`
}

func TestMailboxSeries(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin := token(t, api.RoleAdmin, "ops")
	from, to := "2026-11-09T00:00:00Z", "2026-11-11T00:00:00Z"
	rec := e.do("GET", "/v1/mailboxes/Alice@ACME.example/usage?granularity=day&from="+from+"&to="+to, admin, nil)
	s := decode[seriesResp](t, rec)
	if len(s.Points) != 2 || s.Points[0].Counters["in_bytes"] != 2400 || s.Points[1].Counters["in_bytes"] != 2400 {
		t.Fatalf("daily series: %s", rec.Body.String())
	}
	if s.Points[1].Counters["out_bytes"] != 700 || s.Points[1].Gauges["storage_bytes"] != 900<<10 || len(s.Points[0].Counters) != len(metering.CounterMetrics) {
		t.Errorf("day 2: %+v", s.Points[1])
	}
	rec = e.do("GET", "/v1/mailboxes/alice@acme.example/usage?granularity=hour&from="+from+"&to="+to, admin, nil)
	if s := decode[seriesResp](t, rec); len(s.Points) != 48 || s.Points[47].Counters["in_bytes"] != 100 {
		t.Errorf("hourly series: %d points", len(s.Points))
	}
	// Days in Berlin start at 23:00 UTC: the first local day holds one UTC hour less.
	rec = e.do("GET", "/v1/mailboxes/alice@acme.example/usage?granularity=day&tz=Europe/Berlin&from="+from+"&to="+to, admin, nil)
	s = decode[seriesResp](t, rec)
	if s.Timezone != "Europe/Berlin" || len(s.Points) != 3 || !s.Points[0].Start.Equal(time.Date(2026, 11, 8, 23, 0, 0, 0, time.UTC)) ||
		s.Points[0].Counters["in_bytes"] != 2300 || s.Points[1].Counters["in_bytes"] != 2400 || s.Points[2].Counters["in_bytes"] != 100 {
		t.Errorf("Berlin days: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/mailboxes/alice@acme.example/usage?granularity=month&from=2026-10-01T00:00:00Z&to="+to, admin, nil)
	if s := decode[seriesResp](t, rec); len(s.Points) != 2 || s.Points[1].Counters["in_bytes"] != 4800 {
		t.Errorf("monthly: %s", rec.Body.String())
	}
}

func TestBadInput(t *testing.T) {
	e := sqliteEnv(t)
	admin := token(t, api.RoleAdmin, "ops")
	cases := []struct {
		method, path, body string
		status             int
		kind, field        string
	}{
		{"GET", "/v1/mailboxes/not-an-address/usage", "", 400, "invalid", "address"},
		{"GET", "/v1/mailboxes/a@@b/quota", "", 400, "invalid", "address"},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?from=2026-11-10T00:00:00Z&to=2026-11-01T00:00:00Z", "", 400, "invalid", "to"},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?granularity=hour&from=2025-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", "", 400, "invalid", "from"},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?granularity=day&from=2025-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", "", 200, "", ""},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?granularity=week", "", 400, "invalid", "granularity"},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?tz=Mars/Olympus", "", 400, "invalid", "tz"},
		{"GET", "/v1/mailboxes/alice@acme.example/usage?from=yesterday", "", 400, "invalid", "from"},
		{"GET", "/v1/domains/acme.example/usage?sort=colour", "", 400, "invalid", "sort"},
		{"GET", "/v1/domains/acme.example/usage?order=up", "", 400, "invalid", "order"},
		{"GET", "/v1/domains/-bad-.example", "", 400, "invalid", "domain"},
		{"GET", "/v1/customers?limit=0", "", 400, "invalid", "limit"},
		{"GET", "/v1/customers?limit=5000", "", 400, "invalid", "limit"},
		{"GET", "/v1/customers?cursor=!!!", "", 400, "invalid", "cursor"},
		{"GET", "/v1/latency?direction=sideways", "", 400, "invalid", "direction"},
		{"GET", "/v1/mailboxes/alice@acme.example/quota?units=furlongs", "", 400, "invalid", "units"},
		{"POST", "/v1/customers", `{"id":"x","name":"X","colour":"blue"}`, 400, "invalid", "colour"},
		{"POST", "/v1/customers", `{"id":"x","name":"X"} {}`, 400, "invalid", "body"},
		{"POST", "/v1/customers", `{"id":"x",`, 400, "invalid", "body"},
		{"POST", "/v1/customers", `{"id":7,"name":"X"}`, 400, "invalid", "id"},
		{"POST", "/v1/customers", `{"id":"x","name":"X","currency":"EURO"}`, 400, "invalid", "currency"},
		{"POST", "/v1/customers", `{"id":"acme","name":"Again"}`, 409, "conflict", "id"},
		{"POST", "/v1/domains", `{"domain":"new.example","customer":"ghost"}`, 404, "not_found", "customer"},
		{"POST", "/v1/mailboxes", `{"address":"x@unknown.example"}`, 404, "not_found", "address"},
		{"POST", "/v1/mailboxes", `{"address":"x@acme.example","created_at":"2030-01-01T00:00:00Z"}`, 400, "invalid", "created_at"},
		{"POST", "/v1/customers", `{"id":"big","name":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large", ""},
		{"PUT", "/v1/mailboxes/alice@acme.example/limits", `{"storage_soft_bytes":10,"storage_hard_bytes":5}`, 400, "invalid", "storage_hard_bytes"},
		{"PUT", "/v1/mailboxes/alice@acme.example/limits", `{"messages_soft":-1}`, 400, "invalid", "messages_soft"},
		{"PUT", "/v1/mailboxes/nobody@acme.example/limits", `{}`, 404, "not_found", ""},
		{"GET", "/v1/mailboxes/nobody@acme.example/quota", "", 404, "not_found", ""},
		{"GET", "/v1/nothing", "", 404, "not_found", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path[:min(len(c.path), 60)], func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			rec := e.do(c.method, c.path, admin, body)
			if c.kind == "" {
				if rec.Code != c.status {
					t.Errorf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
				}
				return
			}
			problem(t, rec, c.status, c.kind, c.field)
		})
	}
	// A body without Content-Length over the limit is cut off while reading.
	req, _ := http.NewRequest("POST", "/v1/customers", strings.NewReader(`{"id":"big","name":"`+strings.Repeat("x", 70<<10)+`"}`))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+admin)
	problem(t, httptestServe(e, req), 413, "too_large", "")
}

func TestBreakdownTopSenders(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	type breakdown struct {
		Totals    map[string]int64 `json:"totals"`
		Mailboxes []struct {
			Mailbox string           `json:"mailbox"`
			Values  map[string]int64 `json:"values"`
		} `json:"mailboxes"`
		NextCursor string `json:"next_cursor"`
	}
	cust := token(t, api.RoleCustomer, "acme")
	q := "?from=2026-11-01T00:00:00Z&to=2026-11-11T00:00:00Z"
	rec := e.do("GET", "/v1/customers/acme/usage"+q+"&sort=out_bytes&limit=1", cust, nil)
	b := decode[breakdown](t, rec)
	if b.Totals["out_bytes"] != 48700 || len(b.Mailboxes) != 1 || b.Mailboxes[0].Mailbox != "bob@acme.example" || b.NextCursor == "" {
		t.Fatalf("page 1: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/customers/acme/usage"+q+"&sort=-out_bytes&limit=1&cursor="+b.NextCursor, cust, nil)
	if b := decode[breakdown](t, rec); len(b.Mailboxes) != 1 || b.Mailboxes[0].Mailbox != "alice@acme.example" || b.NextCursor != "" {
		t.Errorf("page 2: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/domains/acme.example/usage"+q+"&sort=in_bytes&order=desc", cust, nil)
	if b := decode[breakdown](t, rec); len(b.Mailboxes) != 2 || b.Mailboxes[0].Mailbox != "alice@acme.example" {
		t.Errorf("by in_bytes: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/domains/acme.example/usage"+q+"&sort=%2Bin_bytes", cust, nil)
	if b := decode[breakdown](t, rec); len(b.Mailboxes) != 2 || b.Mailboxes[0].Mailbox != "bob@acme.example" {
		t.Errorf("by +in_bytes: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/domains/acme.example/usage"+q+"&sort=storage_bytes", cust, nil)
	if b := decode[breakdown](t, rec); len(b.Mailboxes) != 2 || b.Mailboxes[0].Mailbox != "alice@acme.example" ||
		b.Mailboxes[0].Values["storage_bytes"] != 900<<10 || b.Totals["storage_bytes"] != 900<<10 || b.Mailboxes[1].Values["storage_bytes"] != 0 {
		t.Errorf("by storage: %s", rec.Body.String())
	}
}

func TestQuotaBar(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	admin, me := token(t, api.RoleAdmin, "ops"), token(t, api.RoleMailbox, "alice@acme.example")
	rec := e.do("PUT", "/v1/mailboxes/alice@acme.example/limits", admin, map[string]int64{
		"storage_soft_bytes": 800 << 10, "storage_hard_bytes": 1 << 20, "messages_hard": 1000, "outbound_bytes_per_day": 800})
	if rec.Code != 200 {
		t.Fatalf("put limits: %s", rec.Body.String())
	}
	if l := e.do("GET", "/v1/mailboxes/alice@acme.example/limits", admin, nil); !strings.Contains(l.Body.String(), `"storage_hard_bytes":1048576`) {
		t.Errorf("get limits: %s", l.Body.String())
	}
	want := `{"mailbox":"alice@acme.example",` +
		`"storage":{"used_bytes":921600,"limit_bytes":1048576,"soft_limit_bytes":819200,"percent":87.9,"status":"warning"},` +
		`"messages":{"used":90,"limit":1000,"percent":9,"status":"ok"},` +
		`"outbound":{"used_bytes":700,"limit_bytes":800,"used_recipients":9,"percent":87.5,"status":"warning","resets_at":"2026-11-11T00:00:00Z"},` +
		`"outbound_month":{"used_bytes":700,"used_recipients":9,"percent":0,"status":"ok","resets_at":"2026-12-01T00:00:00Z"},` +
		`"updated_at":"2026-11-10T12:30:00Z"}`
	if got := e.do("GET", "/v1/mailboxes/alice@acme.example/quota", me, nil).Body.String(); got != want {
		t.Errorf("quota:\n got %s\nwant %s", got, want)
	}
	wantIMAP := `{"mailbox":"alice@acme.example","root":"","resources":[{"name":"STORAGE","usage":900,"limit":1024},{"name":"MESSAGE","usage":90,"limit":1000}],"updated_at":"2026-11-10T12:30:00Z"}`
	if got := e.do("GET", "/v1/mailboxes/alice@acme.example/quota?units=imap", me, nil).Body.String(); got != wantIMAP {
		t.Errorf("imap quota:\n got %s\nwant %s", got, wantIMAP)
	}
	if got := e.do("GET", "/v1/mailboxes/bob@acme.example/quota", admin, nil).Body.String(); !strings.Contains(got, `"storage":{"used_bytes":0,"percent":0,"status":"ok"}`) {
		t.Errorf("no limits, no usage: %s", got)
	}
}

func TestLatencyReport(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	rec := e.do("GET", "/v1/latency?domain=acme.example&target_ms=60000&from=2026-11-10T00:00:00Z&to=2026-11-11T00:00:00Z", token(t, api.RoleCustomer, "acme"), nil)
	l := decode[struct {
		Directions map[string]struct {
			Count           int64   `json:"count"`
			P50Ms           float64 `json:"p50_ms"`
			P99Ms           float64 `json:"p99_ms"`
			WithinTarget    float64 `json:"within_target"`
			WithinTargetMax float64 `json:"within_target_max"`
		} `json:"directions"`
	}](t, rec)
	in := l.Directions["inbound"]
	if in.Count != 2 || in.WithinTarget != 0.5 || in.WithinTargetMax < in.WithinTarget || in.P50Ms < 2000 || in.P50Ms > 2400 || in.P99Ms < 90000 {
		t.Errorf("latency: %s", rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/latency", token(t, api.RoleCustomer, "acme"), nil), 403, "forbidden", "")
}

// seedUnknown records usage of addresses the directory does not hold: an
// unknown recipient of acme.example and a foreign sender.
func seedUnknown(t *testing.T, e *env) {
	t.Helper()
	rec := metering.NewRecorder(e.store, e.view.Apply)
	rec.Count(metering.Event{Time: t0, Mailbox: "nosuch@acme.example", Metric: metering.RejectedIn, Value: 5})
	rec.Count(metering.Event{Time: t0, Mailbox: "nosuch@acme.example", Metric: metering.TempfailedIn, Value: 2})
	rec.Count(metering.Event{Time: t0, Mailbox: "typo@acme.example", Metric: metering.RejectedIn, Value: 1})
	rec.Count(metering.Event{Time: t0, Mailbox: "spammer@foreign.example", Metric: metering.OutBytes, Value: 123456})
	rec.Count(metering.Event{Time: t0, Mailbox: "spammer@foreign.example", Metric: metering.RejectedIn, Value: 3})
	if err := rec.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// Breakdowns list the directory's mailboxes only; a domain's unknown
// recipients show apart, as a count with their rejects.
func TestBreakdownHostedOnlyWithUnknownCount(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	seedUnknown(t, e)
	type breakdown struct {
		Totals    map[string]int64 `json:"totals"`
		Mailboxes []struct {
			Mailbox string `json:"mailbox"`
		} `json:"mailboxes"`
		Unknown struct {
			Addresses int              `json:"addresses"`
			Totals    map[string]int64 `json:"totals"`
		} `json:"unknown"`
	}
	cust := token(t, api.RoleCustomer, "acme")
	q := "?from=2026-11-01T00:00:00Z&to=2026-11-11T00:00:00Z&sort=rejected_in"
	for _, path := range []string{"/v1/customers/acme/usage", "/v1/domains/acme.example/usage"} {
		rec := e.do("GET", path+q, cust, nil)
		b := decode[breakdown](t, rec)
		if len(b.Mailboxes) != 2 || b.Mailboxes[0].Mailbox != "alice@acme.example" || b.Mailboxes[1].Mailbox != "bob@acme.example" ||
			b.Totals["rejected_in"] != 0 || b.Totals["out_bytes"] != 48700 {
			t.Errorf("%s: mailboxes or totals mix in unknown addresses: %s", path, rec.Body.String())
		}
		if b.Unknown.Addresses != 2 || b.Unknown.Totals["rejected_in"] != 6 || b.Unknown.Totals["tempfailed_in"] != 2 || b.Unknown.Totals["out_bytes"] != 0 {
			t.Errorf("%s: unknown = %+v, want 2 addresses with 6 rejected_in and 2 tempfailed_in", path, b.Unknown)
		}
	}
}

func TestUnknownUsageReport(t *testing.T) {
	e := sqliteEnv(t)
	seedUsage(t, e)
	seedUnknown(t, e)
	admin := token(t, api.RoleAdmin, "ops")
	type report struct {
		Sort    string `json:"sort"`
		Unknown struct {
			Addresses int              `json:"addresses"`
			Totals    map[string]int64 `json:"totals"`
		} `json:"unknown"`
		Domains []struct {
			Domain    string           `json:"domain"`
			Hosted    bool             `json:"hosted"`
			Addresses int              `json:"addresses"`
			Totals    map[string]int64 `json:"totals"`
		} `json:"domains"`
		Addresses []struct {
			Address string           `json:"address"`
			Values  map[string]int64 `json:"values"`
		} `json:"addresses"`
	}
	rec := e.do("GET", "/v1/usage/unknown?from=2026-11-01T00:00:00Z&to=2026-11-11T00:00:00Z&limit=2", admin, nil)
	r := decode[report](t, rec)
	if r.Sort != "rejected_in" || r.Unknown.Addresses != 3 || r.Unknown.Totals["rejected_in"] != 9 || r.Unknown.Totals["out_bytes"] != 123456 {
		t.Errorf("summary: %s", rec.Body.String())
	}
	if len(r.Domains) != 2 || r.Domains[0].Domain != "acme.example" || !r.Domains[0].Hosted || r.Domains[0].Addresses != 2 ||
		r.Domains[1].Domain != "foreign.example" || r.Domains[1].Hosted || r.Domains[1].Totals["rejected_in"] != 3 {
		t.Errorf("domains: %s", rec.Body.String())
	}
	if len(r.Addresses) != 2 || r.Addresses[0].Address != "nosuch@acme.example" || r.Addresses[0].Values["tempfailed_in"] != 2 ||
		r.Addresses[1].Address != "spammer@foreign.example" {
		t.Errorf("top addresses: %s", rec.Body.String())
	}
	rec = e.do("GET", "/v1/usage/unknown?sort=-out_bytes&limit=1", admin, nil)
	if r := decode[report](t, rec); len(r.Addresses) != 1 || r.Addresses[0].Address != "spammer@foreign.example" {
		t.Errorf("by out_bytes: %s", rec.Body.String())
	}
	problem(t, e.do("GET", "/v1/usage/unknown?sort=storage_bytes", admin, nil), 400, "invalid", "sort")
	problem(t, e.do("GET", "/v1/usage/unknown?limit=0", admin, nil), 400, "invalid", "limit")
	problem(t, e.do("GET", "/v1/usage/unknown", token(t, api.RoleCustomer, "acme"), nil), 403, "forbidden", "")
}
