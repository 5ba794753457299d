package postfix_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
)

// anomalySink is a recorder that also hears anomalies.
type anomalySink struct {
	recorder
	anomalies []metering.Anomaly
}

func (s *anomalySink) Anomaly(a metering.Anomaly) { s.anomalies = append(s.anomalies, a) }

// A size= or nrcpt= beyond the bounds is an anomaly: reported, counted as
// 0, and the rest of the message is metered as usual.
func TestImplausibleValuesAreAnomalies(t *testing.T) {
	lines := [][]byte{
		[]byte("Mar 20 10:00:00 mx postfix/submission/smtpd[1]: 4B3C2D1E0F: client=unknown[192.0.2.1], sasl_method=PLAIN, sasl_username=alice@example.com"),
		[]byte("Mar 20 10:00:00 mx postfix/qmgr[2]: 4B3C2D1E0F: from=<alice@example.com>, size=3000000000, nrcpt=200000 (queue active)"),
		[]byte("Mar 20 10:00:01 mx postfix/smtp[3]: 4B3C2D1E0F: to=<x@remote.example>, relay=mx.remote.example[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"),
		[]byte("Mar 20 10:00:01 mx postfix/local[4]: 4B3C2D1E0F: to=<bob@example.com>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)"),
		[]byte("Mar 20 10:01:00 mx postfix/qmgr[2]: 4B3C2D1E10: from=<x@remote.example>, size=1500, nrcpt=1 (queue active)"),
		[]byte("Mar 20 10:01:01 mx postfix/local[4]: 4B3C2D1E10: to=<bob@example.com>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)"),
	}
	t.Run("default bounds", func(t *testing.T) {
		var s anomalySink
		run(newProcessor(t, testOptions()), lines, &s)
		want := map[string]map[metering.Metric]int64{
			"alice@example.com": {metering.OutMessages: 1},
			"bob@example.com":   {metering.InMessages: 2, metering.InBytes: 1500},
		}
		if diff := cmp.Diff(want, s.totals()); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		wantA := []metering.Anomaly{
			{Reason: metering.AnomalySize, Field: "size", Value: 3000000000, Limit: metering.DefaultMaxMessageBytes},
			{Reason: metering.AnomalyRecipients, Field: "nrcpt", Value: 200000, Limit: metering.DefaultMaxRecipients},
		}
		if diff := cmp.Diff(wantA, s.anomalies); diff != "" {
			t.Errorf("anomalies (-want +got):\n%s", diff)
		}
	})
	t.Run("configured bounds", func(t *testing.T) {
		var s anomalySink
		o := testOptions()
		o.Bounds = metering.Bounds{MaxMessageBytes: 1000}
		run(newProcessor(t, o), lines[4:], &s)
		if got := s.totals()["bob@example.com"]; got[metering.InBytes] != 0 || got[metering.InMessages] != 1 || len(s.anomalies) != 1 {
			t.Errorf("bob %v, anomalies %+v: want the 1500 bytes over the bound of 1000 not counted", got, s.anomalies)
		}
	})
}
