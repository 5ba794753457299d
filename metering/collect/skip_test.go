package collect_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/collect"
	"github.com/mailmeter/mailmeter/store/storetest"
)

// probeLog holds a round-trip probe's message (submitted by the probe
// account, delivered into its own mailbox) beside a customer's.
const probeLog = `Mar 10 09:00:00 mx postfix/submission/smtpd[1]: AAAA00001: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=probe@ops.example
Mar 10 09:00:00 mx postfix/cleanup[2]: AAAA00001: message-id=<0123@probe.mailmeter.invalid>
Mar 10 09:00:00 mx postfix/qmgr[3]: AAAA00001: from=<probe@ops.example>, size=600, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/virtual[4]: AAAA00001: to=<probe@ops.example>, relay=virtual, delay=0.3, delays=0.1/0/0/0.2, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:01 mx postfix/qmgr[3]: AAAA00001: removed
Mar 10 09:00:02 mx postfix/submission/smtpd[1]: BBBB00002: client=laptop[192.0.2.7], sasl_method=PLAIN, sasl_username=alice@a.test
Mar 10 09:00:02 mx postfix/qmgr[3]: BBBB00002: from=<alice@a.test>, size=1000, nrcpt=1 (queue active)
Mar 10 09:00:03 mx postfix/virtual[4]: BBBB00002: to=<bob@a.test>, relay=virtual, delay=1, delays=0.1/0/0/0.9, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:03 mx postfix/qmgr[3]: BBBB00002: removed
`

// A log containing the probe's deliveries meters nothing for the probe
// account when it is skipped, and the customer's message as usual.
func TestProbeMailboxesMeterNothing(t *testing.T) {
	customer := map[string]map[metering.Metric]int64{
		"alice@a.test": {metering.OutMessages: 1, metering.OutRecipients: 1},
		"bob@a.test":   {metering.InMessages: 1, metering.InBytes: 1000},
	}
	probe := map[metering.Metric]int64{metering.OutMessages: 1, metering.OutRecipients: 1, metering.InMessages: 1, metering.InBytes: 600}
	for _, tt := range []struct {
		name string
		skip []string
		want map[string]map[metering.Metric]int64
	}{
		{"without skipping, the probe is metered", nil, map[string]map[metering.Metric]int64{
			"alice@a.test": customer["alice@a.test"], "bob@a.test": customer["bob@a.test"], "probe@ops.example": probe}},
		{"the probe account skipped", []string{"probe@ops.example"}, customer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.SQLite(t)
			path := filepath.Join(t.TempDir(), "mail.log")
			if err := os.WriteFile(path, []byte(probeLog), 0o644); err != nil {
				t.Fatal(err)
			}
			opts := collect.BackfillOptions{Host: "mx", Format: collect.FormatPostfix,
				Proc: collect.ProcessorOptions{Location: time.UTC, Delimiter: "+", YearRef: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), Skip: tt.skip}}
			if _, err := collect.Backfill(context.Background(), []string{path}, opts, s, nil, quiet); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, totals(t, s)); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}
