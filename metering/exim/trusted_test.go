package exim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
)

// TestGroundTruthTrustedSenders meters generated mainlogs with sendmail
// submissions (U=www-data P=local) and web mail over SMTP from 127.0.0.1
// (beside amavis's re-injections from 127.0.0.1), the trusted senders
// configured, and compares every total with the generator's truth.
func TestGroundTruthTrustedSenders(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			cfg := busy(seed, 3000)
			cfg.TrustedSenders, cfg.AuthShare, cfg.FilterShare = true, 0.1, float64(seed)/4
			lines, tr := generated(t, cfg)
			untrusted := cfg
			untrusted.TrustedSenders = false
			_, tr0 := generated(t, untrusted)
			if tr.Total(metering.OutMessages) <= tr0.Total(metering.OutMessages) {
				t.Fatalf("trusted submissions add no out_messages: %d vs %d", tr.Total(metering.OutMessages), tr0.Total(metering.OutMessages))
			}
			s := run(t, newProcessor(t, exim.Options{Location: time.UTC, Trusted: loggen.TrustedSenders()}), lines)
			if diff := cmp.Diff(tr.Usage, s.totals()); diff != "" {
				t.Errorf("usage (-truth +processor):\n%s", diff)
			}
			t.Logf("out_messages %d with trusted senders, %d without", tr.Total(metering.OutMessages), tr0.Total(metering.OutMessages))
		})
	}
}
