package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

// collect tails a log and watches a Maildir tree from its configuration,
// commits what it measures, exposes /metrics and stops cleanly.
func TestCollectLogsAndMaildirs(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	logPath := filepath.Join(dir, "mail.log")
	vmail := filepath.Join(dir, "vmail")
	inbox := filepath.Join(vmail, "acme.example", "bob")
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(inbox, sub), 0o755)
	}
	var first, second bytes.Buffer
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.Mailboxes = 400, 20
	truth, err := loggen.Postfix(&first, cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(first.Bytes(), []byte("\n"))
	half := len(lines) / 2
	os.WriteFile(logPath, bytes.Join(lines[:half], nil), 0o644)
	second.Write(bytes.Join(lines[half:], nil))
	metricsAddr := freeAddr(t)
	conf := filepath.Join(dir, "c.yaml")
	writeFile(t, conf, fmt.Sprintf("db: %s\nlogs:\n  - {path: %s, format: auto, host: mx1, timezone: UTC}\nmaildirs:\n  - {root: %s, layout: \"%%d/%%n\"}\ncollect:\n  flush_interval: 100ms\n", db, logPath, vmail))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"collect", "--config", conf, "--metrics-listen", metricsAddr}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, func() bool {
		_, err := s.Checkpoint(context.Background(), "mx1:"+logPath)
		return err == nil
	})
	// More mail arrives in the log, and a message lands in the Maildir.
	f, _ := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(second.Bytes())
	f.Close()
	os.WriteFile(filepath.Join(inbox, "tmp", "1.M1P1.mx,S=4321"), []byte("x"), 0o644)
	os.Rename(filepath.Join(inbox, "tmp", "1.M1P1.mx,S=4321"), filepath.Join(inbox, "new", "1.M1P1.mx,S=4321"))

	waitFor(t, func() bool {
		cp, err := s.Checkpoint(context.Background(), "mx1:"+logPath)
		return err == nil && cp.Offset == truth.Bytes
	})
	waitFor(t, func() bool {
		gs, _ := s.Gauges(context.Background(), metering.UsageQuery{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Mailboxes: []string{"bob@acme.example"}})
		for _, g := range gs {
			if g.Folder == "" && g.Metric == metering.StorageBytes && g.Last == 4321 {
				return true
			}
		}
		return false
	})
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), fmt.Sprintf(`mailmeter_log_lines_read_total{source="mx1:%s"} %d`, logPath, truth.Lines)) {
		t.Errorf("/metrics lacks the lines read:\n%s", body)
	}
	tot, _ := s.Totals(context.Background(), metering.UsageQuery{From: time.Unix(0, 0), To: time.Now().AddDate(2, 0, 0)})
	var in int64
	for _, m := range tot {
		in += m.Values[metering.InMessages]
	}
	if in != truth.Total(metering.InMessages) {
		t.Errorf("in_messages = %d, truth %d", in, truth.Total(metering.InMessages))
	}
	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Errorf("collect exit %d: %s", r.code, r.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("collect did not stop")
	}
}

func TestCollectNeedsSources(t *testing.T) {
	r := runCLI(t, nil, "collect", "--db", "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if r.code != 1 || !strings.Contains(r.stderr, "nothing to collect") {
		t.Errorf("collect without sources: %+v", r)
	}
}
