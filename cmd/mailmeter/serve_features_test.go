package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
	"github.com/mailmeter/mailmeter/store"
	"github.com/mailmeter/mailmeter/store/storetest"
	"github.com/mailmeter/mailmeter/webhook"
)

// serve --policy-listen answers Postfix's policy protocol from the same
// quota view the API shows: limits set and usage ingested over HTTP decide
// the next RCPT at once, over TCP and over a Unix socket.
func TestServePolicy(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	for _, args := range [][]string{
		{"customer", "add", "acme", "--name", "Acme"},
		{"domain", "add", "acme.example", "--customer", "acme"},
		{"mailbox", "add", "alice@acme.example"},
		{"mailbox", "add", "bob@acme.example"},
	} {
		if r := runCLI(t, nil, append(args, "--db", db)...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	secret := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-policy"}
	admin := runCLI(t, secret, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h")
	token := strings.TrimSpace(admin.stdout)
	addr, policyAddr := freeAddr(t), freeAddr(t)
	sock := filepath.Join(dir, "policy.sock")
	cfg := filepath.Join(dir, "mailmeter.yaml")
	if err := os.WriteFile(cfg, []byte("policy:\n  over_quota_text: '{mailbox} is over its quota'\n  unknown_recipient: reject\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--policy-listen", policyAddr, "--db", db, "--config", cfg},
			env{stdout: &out, stderr: &errb, getenv: func(k string) string { return secret[k] }})
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })

	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	conn, err := net.Dial("tcp", policyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	ask := func(recipient string) string {
		t.Helper()
		fmt.Fprintf(conn, "request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=%s\nsize=0\n\n", recipient)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		r.ReadString('\n')
		return strings.TrimSuffix(line, "\n")
	}
	if a := ask("alice@acme.example"); a != "action=DUNNO" {
		t.Errorf("before limits: %q", a)
	}
	call("PUT", "/v1/mailboxes/alice@acme.example/limits", `{"storage_hard_bytes":1000}`)
	hour := time.Now().UTC().Truncate(time.Hour).Format(time.RFC3339)
	call("POST", "/v1/ingest", fmt.Sprintf(`{"source":"test","seq":1,"from_offset":0,"to_offset":1,"gauges":[{"mailbox":"alice@acme.example","folder":"","metric":"storage_bytes","hour":%q,"last":1500,"max":1500,"observed_at":%q}]}`, hour, hour))
	if a := ask("Alice+x@ACME.example."); a != "action=552 5.2.2 alice@acme.example is over its quota" {
		t.Errorf("after limits and usage: %q", a)
	}
	if a := ask("bob@acme.example"); a != "action=DUNNO" {
		t.Errorf("bob: %q", a)
	}
	// policy.unknown_recipient: reject, for the hosted domain only.
	if a := ask("nobody@acme.example"); a != "action=550 5.1.1 User unknown" {
		t.Errorf("unknown recipient of a hosted domain: %q", a)
	}
	if a := ask("somebody@remote.example"); a != "action=DUNNO" {
		t.Errorf("recipient elsewhere: %q", a)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "policy refused") || !strings.Contains(errb.String(), "alice@acme.example") ||
		!strings.Contains(errb.String(), "1500 of 1000 bytes used") {
		t.Errorf("refusal not logged: %s", errb.String())
	}

	// A Unix socket, as Postfix's "check_policy_service unix:private/…".
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--policy-listen", "unix:" + sock, "--db", db},
			env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return secret[k] }})
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	conn, err = net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	r = bufio.NewReader(conn)
	if a := ask("alice@acme.example"); !strings.HasPrefix(a, "action=552 5.2.2") {
		t.Errorf("over the Unix socket: %q", a)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d", code)
	}

	// A bad address is refused before anything starts.
	if r := runCLI(t, secret, "serve", "--listen", freeAddr(t), "--policy-listen", "nowhere", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "policy.listen") {
		t.Errorf("bad --policy-listen: %+v", r)
	}
}

// On PostgreSQL, usage committed by another process (a collector, another
// replica) reaches serve's quota view within about a second, through
// LISTEN/NOTIFY, long before the periodic refresh.
func TestServeFollowsOtherProcessesOnPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	other, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := directory.NewService(other, time.Now)
	dir.AddCustomer(ctx, directory.CustomerInput{ID: "acme", Name: "Acme"})
	dir.AddDomain(ctx, directory.DomainInput{Name: "acme.example", CustomerID: "acme"})
	if _, err := dir.AddMailbox(ctx, directory.MailboxInput{Address: "alice@acme.example"}); err != nil {
		t.Fatal(err)
	}
	secret := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-notify"}
	token := strings.TrimSpace(runCLI(t, secret, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h").stdout)
	addr, policyAddr := freeAddr(t), freeAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan int, 1)
	var errb lockedBuffer
	go func() {
		done <- run(sctx, []string{"serve", "--listen", addr, "--policy-listen", policyAddr, "--quota-refresh", "1h", "--db", url},
			env{stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return secret[k] }})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, errb.String())
		}
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	used := func() string {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/mailboxes/alice@acme.example/quota", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if !strings.Contains(used(), `"used_bytes":0`) {
		t.Fatalf("before: %s", used())
	}
	// Another process sets a limit and commits storage over it.
	if err := other.PutLimits(ctx, quota.Limits{Mailbox: "alice@acme.example", StorageHard: 1000, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h := metering.Hour(time.Now())
	if err := other.Commit(ctx, metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "alice@acme.example", Metric: metering.StorageBytes,
		Hour: h, Last: 4242, Max: 4242, ObservedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, func() bool { return strings.Contains(used(), `"used_bytes":4242`) })
	t.Logf("serve's view followed the other process's commit in %v", time.Since(start).Round(time.Millisecond))
	conn, err := net.Dial("tcp", policyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=alice@acme.example\n\n")
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if line != "action=552 5.2.2 Mailbox is full\n" {
		t.Errorf("policy after the other process's commit: %q", line)
	}
}

// serve warns once when a mailbox crosses 80% of its limit: a log line and
// a signed webhook post with the figures.
func TestServeQuotaWarningWebhook(t *testing.T) {
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
	posts := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- r
		bodies <- b
	}))
	defer hook.Close()
	hookSecret := "webhook-secret-0123456789"
	vars := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-hook",
		"MAILMETER_WEBHOOK_URL": hook.URL, "MAILMETER_WEBHOOK_SECRET": hookSecret}
	token := strings.TrimSpace(runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h").stdout)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb lockedBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--quota-check", "100ms", "--db", db},
			env{stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	call("PUT", "/v1/mailboxes/alice@acme.example/limits", `{"storage_hard_bytes":1000}`)
	hour := time.Now().UTC().Truncate(time.Hour).Format(time.RFC3339)
	call("POST", "/v1/ingest", fmt.Sprintf(`{"source":"t","seq":1,"from_offset":0,"to_offset":1,"gauges":[{"mailbox":"alice@acme.example","folder":"","metric":"storage_bytes","hour":%q,"last":850,"max":850,"observed_at":%q}]}`, hour, hour))
	var r *http.Request
	var body []byte
	select {
	case r = <-posts:
		body = <-bodies
	case <-time.After(10 * time.Second):
		t.Fatalf("no webhook within 10 s; serve said:\n%s", errb.String())
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil || ev["type"] != "quota.threshold_crossed" || ev["mailbox"] != "alice@acme.example" ||
		ev["meter"] != "storage" || ev["threshold_percent"] != 80.0 || ev["used"] != 850.0 || ev["limit"] != 1000.0 {
		t.Errorf("webhook body %s (%v)", body, err)
	}
	if sig := r.Header.Get(webhook.HeaderSignature); sig != webhook.Sign([]byte(hookSecret), r.Header.Get(webhook.HeaderID), r.Header.Get(webhook.HeaderTimestamp), body) {
		t.Errorf("signature %q does not verify", sig)
	}
	select {
	case <-posts:
		t.Error("the same crossing was posted twice")
	case <-time.After(500 * time.Millisecond):
	}
	if !strings.Contains(errb.String(), "quota threshold crossed") {
		t.Errorf("crossing not logged:\n%s", errb.String())
	}
	waitFor(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `mailmeter_webhook_attempts_total{result="delivered"} 1`)
	})
}

// serve runs the configured probes: results reach the store, the API, the
// CLI and /metrics.
func TestServeProbes(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	smtp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	go func() {
		for {
			c, err := smtp.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprint(c, "220 fake ESMTP\r\n")
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(l, "EHLO") {
						fmt.Fprint(c, "250 fake\r\n")
					}
				}
			}()
		}
	}()
	closed := freeAddr(t)
	conf := filepath.Join(dir, "m.yaml")
	writeFile(t, conf, fmt.Sprintf("probe_interval: 50ms\nprobes:\n  - {name: smtp-up, kind: smtp, address: '%s'}\n  - {name: imap-down, kind: imap, address: '%s', timeout: 1s}\n", smtp.Addr(), closed))
	vars := map[string]string{"MAILMETER_JWT_SECRET": "0123456789abcdef0123456789abcdef-probe"}
	token := strings.TrimSpace(runCLI(t, vars, "token", "create", "--role", "admin", "--subject", "ops", "--ttl", "1h").stdout)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb lockedBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--config", conf, "--listen", addr, "--db", db},
			env{stdout: io.Discard, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	}()
	waitFor(t, func() bool { return get(addr, "/healthz") == http.StatusOK })
	type report struct {
		Probes []struct {
			Probe        string  `json:"probe"`
			Checks       int64   `json:"checks"`
			Successes    int64   `json:"successes"`
			Availability float64 `json:"availability"`
		} `json:"probes"`
	}
	var rep report
	waitFor(t, func() bool {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/availability", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		rep = report{}
		json.NewDecoder(resp.Body).Decode(&rep)
		return len(rep.Probes) == 2 && rep.Probes[0].Checks >= 3 && rep.Probes[1].Checks >= 3
	})
	if p := rep.Probes[0]; p.Probe != "imap-down" || p.Successes != 0 || p.Availability != 0 {
		t.Errorf("imap-down: %+v", p)
	}
	if p := rep.Probes[1]; p.Probe != "smtp-up" || p.Successes != p.Checks || p.Availability != 1 {
		t.Errorf("smtp-up: %+v", p)
	}
	// Each probe is its own service (no services: configured); the minute
	// in progress shows the closed port down and the other up.
	var sr struct {
		Services []struct {
			Service         string `json:"service"`
			DowntimeMinutes int64  `json:"downtime_minutes"`
			UptimePPM       int64  `json:"uptime_ppm"`
		} `json:"services"`
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/sla/report", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		json.NewDecoder(resp.Body).Decode(&sr)
		resp.Body.Close()
	}
	if len(sr.Services) != 2 || sr.Services[0].Service != "imap-down" || sr.Services[0].DowntimeMinutes < 1 ||
		sr.Services[1].Service != "smtp-up" || sr.Services[1].UptimePPM != 1_000_000 {
		t.Errorf("sla report: %+v", sr)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`mailmeter_probe_up{probe="smtp-up"} 1`, `mailmeter_probe_up{probe="imap-down"} 0`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d: %s", code, errb.String())
	}
	r := runCLI(t, nil, "availability", "--json", "--db", db)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 0 || len(rows) != 2 || rows[1]["probe"] != "smtp-up" || rows[1]["availability"] != 1.0 {
		t.Errorf("availability --json: %+v (%v)", r, err)
	}
	if r := runCLI(t, nil, "availability", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "100.000%") || !strings.Contains(r.stdout, "0.000%") {
		t.Errorf("availability table: %+v", r)
	}
}
