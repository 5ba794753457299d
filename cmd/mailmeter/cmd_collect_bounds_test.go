package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/store"
)

// metering.max_message_bytes bounds the sizes collect counts: a larger one
// is an anomaly on /metrics, not usage.
func TestCollectCountsSizesOverTheBoundAsAnomalies(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "m.db")
	logPath := filepath.Join(dir, "mail.log")
	var lines strings.Builder
	for i, size := range []int{500, 2048} {
		stamp := fmt.Sprintf("Nov 28 10:0%d:00 mx ", i)
		qid := fmt.Sprintf("4B3C2D1E%02d", i)
		lines.WriteString(stamp + "postfix/qmgr[2]: " + qid + ": from=<x@example.org>, size=" + fmt.Sprint(size) + ", nrcpt=1 (queue active)\n" +
			stamp + "postfix/local[3]: " + qid + ": to=<bob@acme.example>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)\n")
	}
	writeFile(t, logPath, lines.String())
	fi, _ := os.Stat(logPath)
	conf := filepath.Join(dir, "c.yaml")
	writeFile(t, conf, fmt.Sprintf("db: %s\nlogs:\n  - {path: %s, format: postfix, host: mx1, timezone: UTC}\ncollect:\n  flush_interval: 50ms\nmetering:\n  max_message_bytes: 1000\n", db, logPath))
	metricsAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	var errb syncBuffer
	go func() {
		var out syncBuffer
		code := run(ctx, []string{"collect", "--config", conf, "--metrics-listen", metricsAddr}, env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		done <- result{code, out.String(), errb.String()}
	}()
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, func() bool {
		cp, err := s.Checkpoint(context.Background(), "mx1:"+logPath)
		return err == nil && cp.Offset == fi.Size()
	})
	want := fmt.Sprintf("mailmeter_log_anomalies_total{reason=%q,source=%q} 1", metering.AnomalySize, "mx1:"+logPath)
	var metrics string
	waitFor(t, func() bool {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		return strings.Contains(metrics, want)
	})
	tot, err := s.Totals(context.Background(), metering.UsageQuery{From: time.Unix(0, 0), To: time.Now().AddDate(2, 0, 0)})
	if err != nil || len(tot) != 1 || tot[0].Values[metering.InBytes] != 500 || tot[0].Values[metering.InMessages] != 2 {
		t.Errorf("totals %+v, %v: want bob with in_bytes 500 (the 2048 is over the bound) and both messages", tot, err)
	}
	if log := errb.String(); !strings.Contains(log, "implausible value not counted") || !strings.Contains(log, "size=2048") || !strings.Contains(log, "offset=") {
		t.Errorf("no warning naming the line and its offset:\n%s", log)
	}
	cancel()
	if r := <-done; r.code != 0 {
		t.Errorf("collect exit %d: %s", r.code, r.stderr)
	}
}
