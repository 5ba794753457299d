package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/telemetry"
	"github.com/mailmeter/mailmeter/webhook"
)

// statusLine is the plugin's output: one line, "SERVICE STATUS - text | perf".
var statusLine = regexp.MustCompile(`^MAILMETER [A-Z]+ (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| [^\n]+)?\n$`)

// wantCheck runs a check and asserts its exit status, the status word on
// its one line, and a fragment of that line.
func wantCheck(t *testing.T, vars map[string]string, code int, fragment string, args ...string) {
	t.Helper()
	r := runCLI(t, vars, append([]string{"check"}, args...)...)
	word := []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[code]
	if r.code != code || !statusLine.MatchString(r.stdout) || !strings.Contains(r.stdout, " "+word+" - ") || !strings.Contains(r.stdout, fragment) {
		t.Errorf("check %v: exit %d, output %q (stderr %q); want exit %d (%s) with %q", args, r.code, r.stdout, r.stderr, code, word, fragment)
	}
}

// A collector's real /metrics (the telemetry package behind promhttp),
// whose one source's newest line is lag old.
func metricsServer(t *testing.T, lag *time.Duration) string {
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewSourceCollector(func() []collect.SourceStats {
		var s collect.SourceStats
		s.Source = "mx1:/var/log/mail.log"
		s.Tail.Lag = 4096
		s.Proc.NewestLog = time.Now().Add(-*lag)
		s.LagSeconds = lag.Seconds() // the newest line read behind the newest written
		return []collect.SourceStats{s}
	}, time.Now))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

func TestCheckLag(t *testing.T) {
	lag := 5 * time.Second
	u := metricsServer(t, &lag)
	wantCheck(t, nil, 0, "| lag=5", "lag", "--metrics", u)
	lag = 200 * time.Second
	wantCheck(t, nil, 1, "newest line read 3m20s behind the newest written", "lag", "--metrics", u)
	lag = time.Hour
	wantCheck(t, nil, 2, "lag_bytes=4096B", "lag", "--metrics", u)
	wantCheck(t, nil, 0, "lag=3600", "lag", "--metrics", u, "-w", "7200", "-c", "~:7300")
	wantCheck(t, nil, 3, "connection refused", "lag", "--metrics", "http://"+freeAddr(t)+"/metrics")
	wantCheck(t, nil, 3, "-w", "lag", "--metrics", u, "-w", "nonsense")
}

func checkDB(t *testing.T) (string, *store.Store) {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, s
}

func TestCheckProbes(t *testing.T) {
	db, s := checkDB(t)
	wantCheck(t, nil, 3, "no probe checked", "probes", "--db", db)
	hour := time.Now().UTC().Truncate(time.Hour)
	commit := func(probe string, attempts, successes int64) {
		t.Helper()
		b := metering.Batch{Availability: []metering.AvailabilityDelta{{Probe: probe, Hour: hour, Attempts: attempts, Successes: successes}}}
		if err := s.Commit(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	commit("smtp", 1000, 1000)
	commit("imap", 1000, 1000)
	wantCheck(t, nil, 0, "imap=100%;99.9:;99:;0;100", "probes", "--db", db)
	commit("imap", 1000, 995) // 1995 of 2000: 99.75 %
	wantCheck(t, nil, 1, "imap 99.75% (1995 of 2000 checks)", "probes", "--db", db)
	commit("imap", 2000, 1900) // 3895 of 4000: 97.375 %
	wantCheck(t, nil, 2, "imap 97.375%", "probes", "--db", db, "--window", "2h")
	wantCheck(t, nil, 3, "mysql", "probes", "--db", "mysql://nowhere")
}

func TestCheckWebhooks(t *testing.T) {
	db, s := checkDB(t)
	ctx := context.Background()
	wantCheck(t, nil, 0, "0 events pending", "webhooks", "--db", db)
	raise := func(mailbox string, at time.Time) {
		t.Helper()
		c := quota.Crossing{AlertKey: quota.AlertKey{Mailbox: mailbox, Meter: quota.MeterStorage}, Level: 80, Used: 80, Limit: 100, Percent: 80, At: at}
		p, _ := c.Payload()
		if _, _, err := s.RaiseAlert(ctx, c, p); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	raise("a@x.example", now.Add(-15*time.Minute))
	wantCheck(t, nil, 1, "the oldest for 15m00s", "webhooks", "--db", db)
	raise("b@x.example", now.Add(-2*time.Hour))
	wantCheck(t, nil, 2, "oldest_pending=72", "webhooks", "--db", db)
	// Delivered, the outbox is fine again; one given up is CRITICAL.
	evs, err := s.ClaimEvents(ctx, now, time.Minute, 10)
	if err != nil || len(evs) != 2 {
		t.Fatalf("claim: %v %v", evs, err)
	}
	s.EventDelivered(ctx, evs[0].ID, now)
	s.EventDelivered(ctx, evs[1].ID, now)
	wantCheck(t, nil, 0, "0 events pending", "webhooks", "--db", db)
	raise("c@x.example", now)
	evs, _ = s.ClaimEvents(ctx, now, time.Minute, 10)
	s.EventFailed(ctx, evs[0].ID, now.Add(webhook.GiveUpAfter), "gave up after 15 attempts: 502")
	wantCheck(t, nil, 2, "1 events given up in the last 24h0m0s", "webhooks", "--db", db)
	wantCheck(t, nil, 3, "reads the database", "webhooks", "--api", "http://127.0.0.1:1")
}

func TestCheckDeadLetters(t *testing.T) {
	db, s := checkDB(t)
	wantCheck(t, nil, 0, "no dead letters", "deadletters", "--db", db)
	letters := func(n int) {
		t.Helper()
		var ds []metering.DeadLetter
		for i := range n {
			ds = append(ds, metering.DeadLetter{Source: "mx1:mail.log", Error: "out of range", CreatedAt: time.Now().UTC(),
				Record: metering.Batch{Counters: []metering.CounterDelta{{Mailbox: fmt.Sprintf("m%d@x.example", i), Metric: metering.InBytes,
					Hour: time.Now().UTC().Truncate(time.Hour), Value: 1}}}})
		}
		if err := s.Commit(context.Background(), metering.Batch{DeadLetters: ds}); err != nil {
			t.Fatal(err)
		}
	}
	letters(1)
	wantCheck(t, nil, 1, "1 dead letters wait", "deadletters", "--db", db)
	letters(100)
	wantCheck(t, nil, 2, "deadletters=101;0;100;0", "deadletters", "--db", db)
	wantCheck(t, nil, 0, "101 dead letters", "deadletters", "--db", db, "-w", "1000", "-c", "2000")

	// The same through a real serve's /readyz.
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "--listen", addr, "--db", db}, env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	wantCheck(t, nil, 2, "101 dead letters wait", "deadletters", "--api", "http://"+addr)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if age := metricValues(metrics, "mailmeter_quota_view_age_seconds")[""]; !strings.Contains(string(metrics), "mailmeter_quota_view_age_seconds ") || age < 0 || age > 60 {
		t.Errorf("/metrics: mailmeter_quota_view_age_seconds = %v, want the seconds since serve loaded its view", age)
	}
	wantCheck(t, nil, 3, "connection refused", "deadletters", "--api", "http://"+freeAddr(t))
}

// check quota asks a real serve for a mailbox's quota with a service token.
func TestCheckQuota(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	for _, args := range [][]string{
		{"customer", "add", "acme", "--name", "Acme"},
		{"domain", "add", "acme.example", "--customer", "acme"},
		{"mailbox", "add", "alice@acme.example"},
	} {
		if r := runCLI(t, nil, append(args, "--db", db)...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	vars := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-check"}
	admin := strings.TrimSpace(runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h").stdout)
	vars["MAILMETER_TOKEN"] = strings.TrimSpace(runCLI(t, vars, "token", "create", "--role", "service", "--subject", "nagios", "--ttl", "1h").stdout)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--db", db, "--quota-refresh", "50ms"},
			env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return vars[k] }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	api := "http://" + addr
	call("PUT", "/v1/mailboxes/alice@acme.example/limits", `{"storage_hard_bytes":1000}`)
	wantCheck(t, vars, 0, "storage=0%;80;95;0", "quota", "--api", api, "--mailbox", "alice@acme.example")
	hour := time.Now().UTC().Truncate(time.Hour).Format(time.RFC3339)
	ingest := func(seq, used int) {
		call("POST", "/v1/ingest", fmt.Sprintf(`{"source":"t","seq":%d,"from_offset":%d,"to_offset":%d,"gauges":[{"mailbox":"alice@acme.example","folder":"","metric":"storage_bytes","hour":%q,"last":%d,"max":%d,"observed_at":%q}]}`,
			seq, seq-1, seq, hour, used, used, hour))
	}
	ingest(1, 850)
	wantCheck(t, vars, 1, "alice@acme.example: storage at 85% of its limit", "quota", "--api", api, "--mailbox", "alice@acme.example")
	ingest(2, 990)
	wantCheck(t, vars, 2, "storage=99%", "quota", "--api", api, "--mailbox", "alice@acme.example")
	wantCheck(t, vars, 1, "the quota view is stale", "quota", "--api", api, "--mailbox", "alice@acme.example", "-w", "100", "-c", "100", "--max-age", "1ns")
	wantCheck(t, nil, 3, "401", "quota", "--api", api, "--mailbox", "alice@acme.example") // no token
	wantCheck(t, nil, 3, "--mailbox ADDRESS is required", "quota", "--api", api)
}

func TestCheckHelpAndUnknown(t *testing.T) {
	if r := runCLI(t, nil, "check", "--help"); r.code != 0 || !strings.Contains(r.stdout, "deadletters") {
		t.Errorf("check --help: %+v", r)
	}
	wantCheck(t, nil, 3, "unknown check", "uptime")
}

// A check changes nothing: on a database without the schema it says
// UNKNOWN instead of migrating it.
func TestCheckDoesNotMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	wantCheck(t, nil, 3, "migrat", "deadletters", "--db", "sqlite:"+path)
	s, err := store.Open(context.Background(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := s.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.AppliedAt != nil {
			t.Errorf("check applied migration %d", m.Version)
		}
	}
}
