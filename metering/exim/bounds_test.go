package exim_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
)

// anomalySink is a recSink that also hears anomalies.
type anomalySink struct {
	recSink
	anomalies []metering.Anomaly
}

func (s *anomalySink) Anomaly(a metering.Anomaly) { s.anomalies = append(s.anomalies, a) }

// An S= or recipient count beyond the bounds is an anomaly: reported,
// counted as 0, and the rest of the message is metered as usual.
func TestImplausibleValuesAreAnomalies(t *testing.T) {
	lines := [][]byte{
		[]byte("2026-11-02 09:00:00 [1001] 1tQ1aa-000A01-Q1 <= alice@example.com H=(laptop) [192.0.2.10]:51000 I=[10.0.0.1]:587 P=esmtpsa A=dovecot_plain:alice@example.com S=3000000000 id=m1@example.com from <alice@example.com> for x@remote.org"),
		[]byte("2026-11-02 09:00:02 [1002] 1tQ1aa-000A01-Q1 => x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.10] C=\"250 2.0.0 Ok\" QT=2s DT=1s"),
		[]byte("2026-11-02 09:00:02 [1002] 1tQ1aa-000A01-Q1 Completed"),
		[]byte("2026-11-02 09:05:00 [1004] 1tQ1bb-000B02-Q2 <= x@remote.org H=mx.remote.org [203.0.113.10] P=esmtp S=1500 id=m2@remote.org"),
		[]byte("2026-11-02 09:05:01 [1005] 1tQ1bb-000B02-Q2 => carol <carol@example.com> R=localuser T=local_delivery"),
		[]byte("2026-11-02 09:05:01 [1005] 1tQ1bb-000B02-Q2 Completed"),
	}
	p, err := exim.NewProcessor(exim.Options{Bounds: metering.Bounds{MaxMessageBytes: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	var s anomalySink
	for _, l := range lines {
		p.ProcessLine(l, &s)
	}
	want := map[string]map[metering.Metric]int64{
		"alice@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1},
		"carol@example.com": {metering.InMessages: 1},
	}
	if diff := cmp.Diff(want, s.totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	wantA := []metering.Anomaly{
		{Reason: metering.AnomalySize, Field: "S", Value: 3000000000, Limit: 1000},
		{Reason: metering.AnomalySize, Field: "S", Value: 1500, Limit: 1000},
	}
	if diff := cmp.Diff(wantA, s.anomalies); diff != "" {
		t.Errorf("anomalies (-want +got):\n%s", diff)
	}
	if _, err := exim.NewProcessor(exim.Options{Bounds: metering.Bounds{MaxRecipients: -1}}); metering.FieldOf(err) != "max_recipients" {
		t.Errorf("negative bound: %v", err)
	}
}
