package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/store"
)

const slaConfig = `probe_interval: 1m
probes:
  - {name: mx1, kind: smtp, address: "127.0.0.1:25"}
  - {name: mx2, kind: smtp, address: "127.0.0.1:26"}
services:
  - {name: smtp, probes: [mx1, mx2], down_when: all, failures: 2}
sla:
  minimum_outage: 5m
  maintenance_notice: 48h
billing:
  plans:
    - name: standard
      currency: EUR
      monthly_fee: 500
      sla:
        services:
          - {service: smtp, preset: credits-25-50-100}
          - {service: webmail, preset: credits-10-25-100, availability_ppm: 990000}
`

// The sla commands on both databases: windows and incidents added, listed
// and deleted; the report of last month (in the customer's zone) prints
// every section, and its JSON is the API's.
func TestSLACLI(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		conf := filepath.Join(t.TempDir(), "m.yaml")
		writeFile(t, conf, slaConfig)
		cli := func(args ...string) result { return runCLI(t, nil, append(args, "--config", conf, "--db", db)...) }
		for _, args := range [][]string{
			{"customer", "add", "acme", "--name", "Acme", "--plan", "standard", "--timezone", "Europe/Berlin"},
			{"domain", "add", "acme.example", "--customer", "acme"},
			{"mailbox", "add", "alice@acme.example", "--created", "2020-01-01T00:00:00Z"},
		} {
			if r := cli(args...); r.code != 0 {
				t.Fatalf("%v: %+v", args, r)
			}
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		now := time.Now().In(berlin)
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin).AddDate(0, -1, 0)
		day10 := month.AddDate(0, 0, 9).Add(10 * time.Hour) // 10:00 local on the 10th
		seedChecks(t, db, month, day10)
		at := func(d time.Duration) string { return day10.Add(d).UTC().Format(time.RFC3339) }
		// A window announced a week ahead (excluded) over the second outage.
		r := cli("sla", "maintenance", "add", "--service", "smtp", "--start", at(2*time.Hour), "--end", at(3*time.Hour),
			"--announced", at(-7*24*time.Hour), "--reason", "kernel update", "--json")
		var win sla.Maintenance
		if err := json.Unmarshal([]byte(r.stdout), &win); r.code != 0 || err != nil || win.ID == 0 || win.Reason != "kernel update" {
			t.Fatalf("maintenance add: %+v %v", r, err)
		}
		if r := cli("sla", "incident", "add", "--service", "webmail", "--start", at(24*time.Hour), "--end", at(25*time.Hour), "--reason", "provider outage"); r.code != 0 ||
			!strings.Contains(r.stdout, "webmail") || !strings.Contains(r.stdout, "provider outage") {
			t.Fatalf("incident add: %+v", r)
		}
		if r := cli("sla", "incident", "add", "--service", "imap", "--start", at(0), "--end", at(time.Minute)); r.code != 0 {
			t.Fatalf("incident add: %+v", r)
		}
		var list struct{ Items []sla.Incident }
		r = cli("sla", "incident", "list", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list.Items) != 2 || list.Items[1].Service != "webmail" {
			t.Fatalf("incident list: %+v %v", r, err)
		}
		if r := cli("sla", "incident", "delete", itoa(list.Items[0].ID)); r.code != 0 || !strings.Contains(r.stdout, "deleted") {
			t.Errorf("incident delete: %+v", r)
		}
		period := month.Format("2006-01")
		r = cli("sla", "report", "--period", period, "--customer", "acme")
		for _, want := range []string{
			"Service report " + period + ", customer acme (Europe/Berlin, complete)",
			"Rules: outages under 5 min do not count; unknown minutes count as up; maintenance is excluded if announced 48h ahead, up to 12h a year",
			"\nServices\n", "  smtp: uptime ", "15 min down",
			"    down     " + day10.Format("2006-01-02 15:04 MST") + " – " + day10.Add(15*time.Minute).Format("2006-01-02 15:04 MST") + "     15 min  probe",
			"    short    ", "(under the minimum: not counted)",
			"    maintenance ", "excluded: announced 7d2h ahead (at least 2d)",
			"  webmail: uptime 99.8611%, 60 min down", "incident",
			"\nDelivery latency (all customers), target 60s\n", "  inbound   850 deliveries",
			"\nMail (recipients)\n", "  inbound   90 delivered, 10 rejected (8.00%), 25 temporarily rejected (20.00%)",
			"\nBlacklist listings\n  not checked",
			"\nSLA credits\n  plan standard: 10.00% of the fees (for webmail); services: smtp 99.9652% (0.00%), webmail 99.8611% (10.00%); latency promise met or none",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "not metered") {
			t.Errorf("temporary rejects said not metered:\n%s", r.stdout)
		}
		if r.code != 0 {
			t.Fatalf("report: %+v", r)
		}
		r = cli("sla", "report", "--period", period, "--customer", "acme", "--json")
		var rep sla.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || rep.Period != period || len(rep.Services) != 2 ||
			rep.Services[0].DowntimeMinutes != 15 || len(rep.Services[0].Maintenance) != 1 || rep.Services[0].Maintenance[0].Counted {
			t.Fatalf("report --json: %+v %v\n%s", rep, err, r.stdout)
		}
		for _, key := range []string{`"uptime_percent"`, `"downtime_minutes"`, `"unknown_minutes"`, `"cause": "probe"`, `"counted": false`, `"why"`, `"latency"`, `"mail"`, `"blacklists"`, `"credits"`} {
			if !strings.Contains(r.stdout, key) {
				t.Errorf("report --json lacks %s", key)
			}
		}
		if r := cli("sla", "maintenance", "delete", itoa(win.ID)); r.code != 0 {
			t.Errorf("maintenance delete: %+v", r)
		}
		if r := cli("sla", "maintenance", "list"); r.code != 0 || strings.Contains(r.stdout, "kernel") {
			t.Errorf("maintenance list after delete: %+v", r)
		}
		// Without the window its outage counts.
		if err := json.Unmarshal([]byte(cli("sla", "report", "--period", period, "--customer", "acme", "--json").stdout), &rep); err != nil || rep.Services[0].DowntimeMinutes != 75 {
			t.Errorf("without the window: %+v %v", rep.Services[0], err)
		}
	})
}

// seedChecks stores a check of mx1 and mx2 every minute of the month from
// from: both down 15 minutes at day10, and again 60 minutes two hours
// later (mx2 alone down earlier: the pair stays up), plus some mail.
func seedChecks(t *testing.T, db string, from, day10 time.Time) {
	t.Helper()
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	in := func(at time.Time, start time.Time, d time.Duration) bool {
		return !at.Before(start) && at.Before(start.Add(d))
	}
	b := metering.Batch{
		Counters: []metering.CounterDelta{
			{Mailbox: "alice@acme.example", Metric: metering.InMessages, Hour: day10.UTC().Truncate(time.Hour), Value: 90},
			{Mailbox: "alice@acme.example", Metric: metering.RejectedIn, Hour: day10.UTC().Truncate(time.Hour), Value: 10},
			{Mailbox: "alice@acme.example", Metric: metering.TempfailedIn, Hour: day10.UTC().Truncate(time.Hour), Value: 25},
		},
		Latency: []metering.LatencyDelta{{Hour: day10.UTC().Truncate(time.Hour), Direction: metering.Inbound, Bucket: metering.BucketOf(time.Second), Count: 850}},
	}
	for at := from.Add(20 * time.Second); at.Before(from.AddDate(0, 1, 0)); at = at.Add(time.Minute) {
		both := in(at, day10, 15*time.Minute) || in(at, day10.Add(2*time.Hour), time.Hour)
		short := in(at, day10.Add(5*time.Hour), 3*time.Minute)
		b.Checks = append(b.Checks,
			metering.ProbeCheck{Probe: "mx1", At: at, Up: !both && !short},
			metering.ProbeCheck{Probe: "mx2", At: at, Up: !both && !short && !in(at, day10.Add(-time.Hour), 30*time.Minute)})
	}
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Bad command lines exit 2, bad values 1, with the field named.
func TestSLACLIErrors(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	conf := filepath.Join(t.TempDir(), "m.yaml")
	writeFile(t, conf, slaConfig)
	cli := func(args ...string) result { return runCLI(t, nil, append(args, "--config", conf, "--db", db)...) }
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sla"}, 2, "usage: mailmeter sla report"},
		{[]string{"sla", "frob"}, 2, `unknown sla action "frob"`},
		{[]string{"sla", "incident", "add", "--service", "smtp", "--start", "monday", "--end", "2026-11-01T00:00:00Z"}, 2, "--start"},
		{[]string{"sla", "incident", "add", "--service", "SMTP", "--start", "2026-11-01T00:00:00Z", "--end", "2026-11-01T01:00:00Z"}, 1, "lower-case"},
		{[]string{"sla", "incident", "add", "--service", "smtp", "--start", "2026-11-01T02:00:00Z", "--end", "2026-11-01T01:00:00Z"}, 1, "must be after start"},
		{[]string{"sla", "maintenance", "add", "--service", "smtp", "--start", "2026-11-01T00:00:00Z"}, 1, "end is required"},
		{[]string{"sla", "maintenance", "delete", "x"}, 2, "positive integer"},
		{[]string{"sla", "maintenance", "delete", "42"}, 1, "does not exist"},
		{[]string{"sla", "report", "--period", "2026-13"}, 1, `period "2026-13"`},
		{[]string{"sla", "report", "--customer", "nobody"}, 1, "customer nobody does not exist"},
	} {
		if r := cli(tt.args...); r.code != tt.code || !strings.Contains(r.stderr+r.stdout, tt.want) {
			t.Errorf("%v: %+v, want exit %d with %q", tt.args, r, tt.code, tt.want)
		}
	}
	if r := cli("sla", "--help"); r.code != 0 || !strings.Contains(r.stdout, "sla maintenance add --service S") || !strings.Contains(r.stdout, "sla blacklist [--period") {
		t.Errorf("sla --help: %+v", r)
	}
	if r := cli("sla", "report", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--period") {
		t.Errorf("sla report --help: %+v", r)
	}
	// A plan's terms name the key at fault.
	for body, want := range map[string]string{
		"billing:\n  plans:\n    - {name: p, currency: EUR, sla: {services: [{service: smtp, preset: gold}]}}\n":              `billing.plans[0] (p).sla.services[0]: preset "gold"`,
		"billing:\n  plans:\n    - {name: p, currency: EUR, sla: {services: [{preset: credits-10-25-100}]}}\n":                "billing.plans[0] (p).sla.services[0].service: required",
		"billing:\n  plans:\n    - {name: p, currency: EUR, sla: {preset: credits-10-25-100, services: [{service: smtp}]}}\n": "either services",
		"billing:\n  plans:\n    - {name: p, currency: EUR, sla: {preset: nope}}\n":                                           `billing.plans[0] (p).sla: preset "nope"`,
	} {
		path := filepath.Join(t.TempDir(), "p.yaml")
		writeFile(t, path, body)
		if r := runCLI(t, nil, "sla", "report", "--config", path, "--db", db); r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: %+v, want %q", body, r, want)
		}
	}
	// A service naming a probe that does not exist stops at start.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, bad, "probes:\n  - {name: mx1, kind: smtp, address: '127.0.0.1:25'}\nservices:\n  - {name: smtp, probes: [mx9]}\n")
	if r := runCLI(t, nil, "sla", "report", "--config", bad, "--db", db); r.code != 1 || !strings.Contains(r.stderr, `services[0].probes: "mx9" is not one of the probes`) {
		t.Errorf("bad service: %+v", r)
	}
}
