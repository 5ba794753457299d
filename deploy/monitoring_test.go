package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailmeter/mailmeter/internal/testenv"
)

// promtool finds promtool: $MAILMETER_PROMTOOL, PATH, or where
// .ci/install-prometheus unpacks it; else the test skips.
func promtool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MAILMETER_PROMTOOL"); p != "" {
		return p
	}
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	const unpacked = "/var/cache/mailmeter-ci/prometheus/usr/bin/promtool"
	if _, err := os.Stat(unpacked); err == nil {
		return unpacked
	}
	testenv.Skip(t, "promtool", "run .ci/install-prometheus, or set MAILMETER_PROMTOOL")
	return ""
}

func runTool(t *testing.T, dir, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
	}
}

// The alerting rules parse, and their unit tests (each alert firing when it
// should and quiet when it should not) pass.
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	runTool(t, "prometheus", pt, "check", "rules", "alerts.yml")
	runTool(t, "prometheus", pt, "test", "rules", "alerts_test.yml")
	rules := readFile(t, "prometheus/alerts.yml")
	tests := readFile(t, "prometheus/alerts_test.yml")
	for _, want := range []string{"MailmeterCollectorLag", "MailmeterCheckpointStale", "MailmeterLogGap", "MailmeterUnknownLines",
		"MailmeterProbeDown", "MailmeterBlacklisted", "MailmeterWebhookGivenUp", "MailmeterQuotaViewStale"} {
		if !strings.Contains(rules, "alert: "+want+"\n") {
			t.Errorf("alerts.yml lacks %s", want)
		}
		if !strings.Contains(tests, "alertname: "+want+"\n") {
			t.Errorf("alerts_test.yml does not test %s", want)
		}
	}
}

type dashboard struct {
	Title         string
	UID           string
	SchemaVersion int
	Templating    struct{ List []struct{ Name string } }
	Panels        []struct {
		ID      int
		Type    string
		Title   string
		GridPos struct{ H, W, X, Y int }
		Targets []struct {
			RefID string
			Expr  string
		}
	}
}

// The Grafana dashboard is valid JSON of a dashboard: unique panel ids,
// panels within the 24-column grid, rows for traffic, latency,
// availability and collector health.
func TestGrafanaDashboard(t *testing.T) {
	readDashboard(t)
}

// Every query of the dashboard is valid PromQL (promtool parses them as
// recording rules).
func TestGrafanaDashboardQueries(t *testing.T) {
	pt := promtool(t)
	checkPromQL(t, pt, readDashboard(t))
}

// readDashboard validates the dashboard and returns its queries.
func readDashboard(t *testing.T) []string {
	t.Helper()
	b := []byte(readFile(t, "grafana/mailmeter.json"))
	if !json.Valid(b) {
		t.Fatal("grafana/mailmeter.json is not valid JSON")
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Title == "" || d.UID == "" || d.SchemaVersion < 30 {
		t.Errorf("title %q, uid %q, schemaVersion %d", d.Title, d.UID, d.SchemaVersion)
	}
	ids, rows := map[int]bool{}, map[string]bool{}
	var exprs []string
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H <= 0 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			rows[p.Title] = true
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, "mailmeter_") {
				t.Errorf("panel %q: query %q reads no mailmeter metric", p.Title, q.Expr)
			}
			exprs = append(exprs, q.Expr)
		}
	}
	for _, want := range []string{"Traffic", "Latency", "Availability", "Collector health"} {
		if !rows[want] {
			t.Errorf("no row %q", want)
		}
	}
	return exprs
}

// checkPromQL has promtool parse each query, Grafana's variables replaced.
func checkPromQL(t *testing.T, pt string, exprs []string) {
	vars := regexp.MustCompile(`\$__rate_interval|\$__interval|\$__range`)
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		e = strings.ReplaceAll(vars.ReplaceAllString(e, "5m"), "$instance", ".*")
		q, _ := json.Marshal(e)
		fmt.Fprintf(&rules, "      - record: dashboard:query%d\n        expr: %s\n", i, q)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.yml"), []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, dir, pt, "check", "rules", "dashboard.yml")
}
