package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// make run's tour: a demo world is served with live collectors, the printed
// tokens work, and new mail appended to the demo log shows up within seconds.
func TestDemoTour(t *testing.T) {
	addr := freeAddr(t)
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data", data, "--listen", addr, "--rate", "20"}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exit %d: %s", code, errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("demo did not stop")
		}
	}()
	waitFor(t, func() bool {
		return strings.Contains(out.String(), "MAILMETER_MAILBOX_TOKEN=") && get(addr, "/healthz") == 200
	})
	token := func(name string) string {
		for _, l := range strings.Split(out.String(), "\n") {
			if v, ok := strings.CutPrefix(l, name+"="); ok {
				return v
			}
		}
		t.Fatalf("no %s in %q", name, out.String())
		return ""
	}
	admin, mailbox, customer := token("MAILMETER_ADMIN_TOKEN"), token("MAILMETER_MAILBOX_TOKEN"), token("MAILMETER_CUSTOMER_TOKEN")
	// The tour ends in a browser: console links for the operator, the
	// customer and a mailbox, the token in the fragment.
	for _, tok := range []string{admin, customer, mailbox} {
		if !strings.Contains(out.String(), "http://"+addr+"/ui/#token="+tok+"\n") {
			t.Errorf("the tour has no console link for token %.20s…:\n%s", tok, out.String())
		}
	}
	if get(addr, "/ui/") != 200 {
		t.Error("no console at /ui/")
	}
	getJSON := func(tok, path string, v any) int {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(v)
		return resp.StatusCode
	}
	var totals struct {
		Totals map[string]int64 `json:"totals"`
	}
	// The generated history is metered…
	waitFor(t, func() bool {
		return getJSON(admin, "/v1/customers/demo/usage", &totals) == 200 && totals.Totals["in_messages"] > 1000
	})
	first := totals.Totals["in_messages"]
	if getJSON(customer, "/v1/customers/demo/usage", &totals) != 200 {
		t.Error("the customer token cannot read its usage")
	}
	// …and live traffic keeps arriving.
	waitFor(t, func() bool {
		return getJSON(admin, "/v1/customers/demo/usage", &totals) == 200 && totals.Totals["in_messages"] > first
	})
	mb := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if i := strings.Index(l, "/v1/mailboxes/"); i >= 0 && strings.Contains(l, "/quota") {
			mb = strings.Split(l[i+len("/v1/mailboxes/"):], "/")[0]
		}
	}
	var q struct {
		Storage struct {
			Used int64 `json:"used_bytes"`
		} `json:"storage"`
	}
	// The Maildir watcher's storage reaches the webmail quota bar.
	waitFor(t, func() bool { return getJSON(mailbox, "/v1/mailboxes/"+mb+"/quota", &q) == 200 && q.Storage.Used > 0 })
	if get(addr, "/openapi.yaml") != 200 {
		t.Error("no /openapi.yaml")
	}
	// The probe checks the API; its result reaches the availability report.
	var av struct {
		Probes []struct {
			Probe     string `json:"probe"`
			Successes int64  `json:"successes"`
		} `json:"probes"`
	}
	waitFor(t, func() bool {
		return getJSON(admin, "/v1/availability", &av) == 200 && len(av.Probes) == 1 && av.Probes[0].Probe == "api" && av.Probes[0].Successes > 0
	})
	// The tour's invoice commands work on the demo world while it runs.
	conf := filepath.Join(data, "mailmeter.yaml")
	month := time.Now().In(mustZone(t, "Europe/Berlin")).Format("2006-01")
	if r := runCLI(t, nil, "invoice", "run", "--period", month, "--config", conf); r.code != 0 || !strings.Contains(r.stdout, "demo-"+month) || !strings.Contains(r.stdout, "EUR ") {
		t.Errorf("invoice run on the demo: %+v", r)
	}
	if r := runCLI(t, nil, "plan", "show", "standard", "--config", conf); r.code != 0 || !strings.Contains(r.stdout, "mailbox fee 5.00, domain fee 0.50, minimum 20.00") ||
		!strings.Contains(r.stdout, "pooled, over it up to 10 GB at 0.10, beyond at 0.05") {
		t.Errorf("plan show on the demo: %+v", r)
	}
	// The evidence is each covered service by the minute (it was the
	// probes' pooled checks before services existed), from the seller to
	// the customer with its billing details.
	r := runCLI(t, nil, "invoice", "show", "demo-"+month, "--config", conf)
	for _, want := range []string{"Service level (SLA evidence):", "  webapi: availability ", "% by the minute", "Mail delivery: delivery latency ",
		"From: Mailmeter Demo Hosting GmbH", "To:   Grünwald & Søn Mail Services GmbH (綠林郵件)", "Tax 19.00%"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("invoice show on the demo lacks %q: %+v", want, r)
		}
	}
	pdf := filepath.Join(t.TempDir(), "demo.pdf")
	if r := runCLI(t, nil, "invoice", "show", "demo-"+month, "--pdf", pdf, "--config", conf); r.code != 0 || !strings.HasPrefix(fileHasPrefix(t, pdf), "%PDF-1.") {
		t.Errorf("invoice show --pdf on the demo: %+v", r)
	}
	var preview struct {
		Status string `json:"status"`
		Buyer  struct {
			Name string `json:"name"`
		} `json:"buyer"`
	}
	if code := getJSON(admin, "/v1/customers/demo/invoice-preview", &preview); code != 200 || preview.Status != "estimate" || !strings.HasPrefix(preview.Buyer.Name, "Grünwald") {
		t.Errorf("invoice preview on the demo: %d %+v", code, preview)
	}
	for _, cmd := range []string{"bin/mailmeter invoice run --period " + month, "bin/mailmeter sla report --customer demo", "/v1/sla/report?customer=demo"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("the tour does not show %q:\n%s", cmd, out.String())
		}
	}
	demoSLAReport(t, conf, month)
}

// The tour's sla report shows every section on the demo world: the probed
// API, the smtp incident and the API's maintenance window the demo
// recorded (unless the month is younger than an hour), latency, mail,
// blacklists and the plan's credit; its JSON holds the probe's minutes.
func demoSLAReport(t *testing.T, conf, month string) {
	r := runCLI(t, nil, "sla", "report", "--customer", "demo", "--config", conf)
	want := []string{"Service report " + month + ", customer demo (Europe/Berlin, so far", "\nServices\n", "  webapi: uptime ",
		"\nDelivery latency (all customers), target 60s\n  inbound ", "\nMail (recipients)\n  inbound ", "\nBlacklist listings\n",
		"\nSLA credits\n  plan standard: "}
	berlin := mustZone(t, "Europe/Berlin")
	now := time.Now().In(berlin)
	if now.Sub(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin)) >= 4*time.Hour {
		want = append(want, "  smtp: uptime ", "20 min  incident", "demo: the monitor saw smtp refuse connections",
			"    maintenance ", "excluded: announced 7d ahead (at least 5d)")
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("sla report on the demo lacks %q:\n%s", w, r.stdout)
		}
	}
	var rep struct {
		Services []struct {
			Service        string `json:"service"`
			Minutes        int64  `json:"minutes"`
			UnknownMinutes int64  `json:"unknown_minutes"`
		} `json:"services"`
	}
	r = runCLI(t, nil, "sla", "report", "--customer", "demo", "--json", "--config", conf)
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("sla report --json: %v %+v", err, r)
	}
	for _, s := range rep.Services {
		if s.Service == "webapi" && s.UnknownMinutes >= s.Minutes {
			t.Errorf("the probe's checks did not reach the report: %+v", s)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fakeClock is a demo clock whose sleep moves time on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

// The demo's live log keeps real time: no line is written before its
// stamp, and after a simulated hour the newest stamp is the clock's time
// (it ran 2.2 times faster than the clock before, 73 s ahead after a minute).
func TestDemoLogKeepsRealTime(t *testing.T) {
	dir := t.TempDir()
	w := newDemoWorld(dir, "")
	writeFile(t, w.log, "")
	clock := &fakeClock{t: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	var stop atomic.Bool
	end := clock.t.Add(time.Hour)
	wrapped := demoClock{now: func() time.Time {
		if !clock.t.Before(end) {
			stop.Store(true)
		}
		return clock.now()
	}, sleep: clock.sleep}
	if err := w.follow(context.Background(), demoConfig(clock.t), 2, &stop, wrapped); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(w.log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 10000 {
		t.Fatalf("%d lines in a simulated hour at 2 sessions a second", len(lines))
	}
	last := lines[len(lines)-1]
	stamp, err := time.Parse("Jan _2 15:04:05", last[:15])
	if err != nil {
		t.Fatal(err)
	}
	stamp = stamp.AddDate(clock.t.Year(), 0, 0)
	if lag := clock.t.Sub(stamp); lag < 0 || lag > 5*time.Second {
		t.Errorf("after a simulated hour the newest line is stamped %s, the clock shows %s (lag %s): want real time", stamp, clock.t, lag)
	}
}

// serve --dev --dev-secret-file (what the demo runs) keeps its secret in
// the file: a token printed by one run works with the next.
func TestDevSecretFileSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	secret := filepath.Join(dir, "dev-secret")
	serveOnce := func(check func(addr string)) string {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		var out lockedBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--dev", "--listen", addr, "--db", db, "--dev-secret-file", secret},
				env{stdout: &out, stderr: io.Discard, getenv: func(string) string { return "" }})
		}()
		defer func() {
			cancel()
			<-done
		}()
		waitFor(t, func() bool {
			return strings.Contains(out.String(), "MAILMETER_ADMIN_TOKEN=") && get(addr, "/healthz") == 200
		})
		if check != nil {
			check(addr)
		}
		_, rest, _ := strings.Cut(out.String(), "MAILMETER_ADMIN_TOKEN=")
		tok, _, _ := strings.Cut(rest, "\n")
		return tok
	}
	first := serveOnce(nil)
	if fi, err := os.Stat(secret); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v, %v", fi, err)
	}
	serveOnce(func(addr string) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/customers", nil)
		req.Header.Set("Authorization", "Bearer "+first)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the first run's admin token after a restart: %d, want 200", resp.StatusCode)
		}
	})
}
