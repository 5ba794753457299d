package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/metering/maildir"
	"github.com/mailmeter/mailmeter/metering/tail"
	"github.com/mailmeter/mailmeter/telemetry"
)

func TestSourceMetrics(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	stats := collect.SourceStats{
		Source: "mx1:/var/log/mail.log",
		Tail:   tail.Stats{Lines: 1200, Bytes: 190000, Lag: 4096},
		Proc: metering.ProcessorStats{Records: map[string]int64{"delivery": 300}, Unknown: map[string]int64{"unrecognized": 7},
			Open: 12, Evicted: 3, NewestLog: now.Add(-90 * time.Second)},
		Commits: 5, LastCommit: now.Add(-2 * time.Second), LagSeconds: 90,
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewSourceCollector(func() []collect.SourceStats { return []collect.SourceStats{stats} }, func() time.Time { return now }))
	want := `
# HELP mailmeter_log_lines_read_total Log lines read.
# TYPE mailmeter_log_lines_read_total counter
mailmeter_log_lines_read_total{source="mx1:/var/log/mail.log"} 1200
# HELP mailmeter_log_unknown_lines_total Lines not understood, by reason.
# TYPE mailmeter_log_unknown_lines_total counter
mailmeter_log_unknown_lines_total{reason="unrecognized",source="mx1:/var/log/mail.log"} 7
# HELP mailmeter_log_lag_seconds Seconds the newest line read is behind the newest line written, measured at the scrape; 0 when caught up.
# TYPE mailmeter_log_lag_seconds gauge
mailmeter_log_lag_seconds{source="mx1:/var/log/mail.log"} 90
# HELP mailmeter_log_lag_bytes Bytes not yet read from the source's files, measured at the scrape.
# TYPE mailmeter_log_lag_bytes gauge
mailmeter_log_lag_bytes{source="mx1:/var/log/mail.log"} 4096
# HELP mailmeter_checkpoint_age_seconds Seconds since the source's last committed checkpoint.
# TYPE mailmeter_checkpoint_age_seconds gauge
mailmeter_checkpoint_age_seconds{source="mx1:/var/log/mail.log"} 2
# HELP mailmeter_correlator_open_messages Messages seen but not yet complete.
# TYPE mailmeter_correlator_open_messages gauge
mailmeter_correlator_open_messages{source="mx1:/var/log/mail.log"} 12
# HELP mailmeter_correlator_evictions_total Incomplete messages evicted after the maximum age.
# TYPE mailmeter_correlator_evictions_total counter
mailmeter_correlator_evictions_total{source="mx1:/var/log/mail.log"} 3
`
	names := []string{"mailmeter_log_lines_read_total", "mailmeter_log_unknown_lines_total", "mailmeter_log_lag_seconds",
		"mailmeter_log_lag_bytes", "mailmeter_checkpoint_age_seconds", "mailmeter_correlator_open_messages", "mailmeter_correlator_evictions_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "mailmeter_log_records_total"); n != 1 {
		t.Errorf("records series = %d", n)
	}
}

// Anomalies (values not counted) and dead letters (records the database
// refused) show per source; the pending dead letters come from the
// database at each scrape.
func TestAnomalyAndDeadLetterMetrics(t *testing.T) {
	stats := collect.SourceStats{Source: "mx1:/var/log/mail.log",
		Anomalies: map[string]int64{metering.AnomalySize: 10, metering.AnomalyRecipients: 1}, DeadLetters: 2}
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewSourceCollector(func() []collect.SourceStats { return []collect.SourceStats{stats} }, time.Now))
	pending := int64(3)
	reg.MustRegister(telemetry.NewDeadLetterCollector(func(context.Context) (int64, error) { return pending, nil }))
	want := `
# HELP mailmeter_log_anomalies_total Implausible values not counted (a warning names each line), by reason.
# TYPE mailmeter_log_anomalies_total counter
mailmeter_log_anomalies_total{reason="message_size",source="mx1:/var/log/mail.log"} 10
mailmeter_log_anomalies_total{reason="recipients",source="mx1:/var/log/mail.log"} 1
# HELP mailmeter_deadletters_total Records the database refused, kept as dead letters.
# TYPE mailmeter_deadletters_total counter
mailmeter_deadletters_total{source="mx1:/var/log/mail.log"} 2
# HELP mailmeter_deadletters_pending Dead letters not yet replayed (mailmeter deadletter list).
# TYPE mailmeter_deadletters_pending gauge
mailmeter_deadletters_pending 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "mailmeter_log_anomalies_total",
		"mailmeter_deadletters_total", "mailmeter_deadletters_pending"); err != nil {
		t.Error(err)
	}
}

func TestMaildirMetrics(t *testing.T) {
	stats := maildir.WatchStats{Watched: 40, Polled: 2, Reads: 900, Problems: map[maildir.ProblemKind]int64{maildir.Unknown: 3, maildir.Unreadable: 1}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewMaildirCollector(func() map[string]maildir.WatchStats { return map[string]maildir.WatchStats{"/var/vmail/%d/%n": stats} }))
	want := `
# HELP mailmeter_maildir_problems_total Problems met (directories skipped and logged; the rest is metered), by kind.
# TYPE mailmeter_maildir_problems_total counter
mailmeter_maildir_problems_total{kind="unknown",maildir="/var/vmail/%d/%n"} 3
mailmeter_maildir_problems_total{kind="unreadable",maildir="/var/vmail/%d/%n"} 1
# HELP mailmeter_maildir_polled_dirs Directories polled because they could not be watched.
# TYPE mailmeter_maildir_polled_dirs gauge
mailmeter_maildir_polled_dirs{maildir="/var/vmail/%d/%n"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "mailmeter_maildir_problems_total", "mailmeter_maildir_polled_dirs"); err != nil {
		t.Error(err)
	}
}
