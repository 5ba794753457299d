package postfix_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// TestGroundTruthTrustedSenders meters generated logs with pickup (uid 33)
// and web mail (unauthenticated SMTP from 127.0.0.1, some through amavis,
// whose copies come from 127.0.0.1 too) submissions, with the trusted
// senders configured, and compares every total with the generator's truth.
func TestGroundTruthTrustedSenders(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			cfg := loggen.DefaultConfig()
			cfg.Seed, cfg.Messages, cfg.TrustedSenders = seed, 3000, true
			cfg.AuthShare, cfg.FilterShare = 0.1, float64(seed)/4 // pickup and web mail follow AuthShare in the draw
			var buf bytes.Buffer
			tr, err := loggen.Postfix(&buf, cfg)
			if err != nil {
				t.Fatal(err)
			}
			untrusted := cfg
			untrusted.TrustedSenders = false
			var same bytes.Buffer
			tr0, _ := loggen.Postfix(&same, untrusted)
			if !bytes.Equal(buf.Bytes(), same.Bytes()) {
				t.Fatal("TrustedSenders changed the lines written; it must only change the truth")
			}
			if tr.Total(metering.OutMessages) <= tr0.Total(metering.OutMessages) {
				t.Fatalf("trusted submissions add no out_messages: %d vs %d", tr.Total(metering.OutMessages), tr0.Total(metering.OutMessages))
			}
			p := newProcessor(t, postfix.Options{YearRef: cfg.Start, Location: time.UTC, Trusted: loggen.TrustedSenders()})
			var rec recorder
			for _, l := range bytes.Split(bytes.TrimRight(buf.Bytes(), "\n"), []byte("\n")) {
				p.ProcessLine(l, &rec)
			}
			if diff := cmp.Diff(tr.Usage, rec.totals()); diff != "" {
				t.Errorf("usage (-truth +processor):\n%s", diff)
			}
			pickups := strings.Count(buf.String(), "postfix/pickup[")
			t.Logf("%d pickup submissions; out_messages %d with trusted senders, %d without", pickups,
				tr.Total(metering.OutMessages), tr0.Total(metering.OutMessages))
		})
	}
}

// BenchmarkProcessorLoggenTrusted is BenchmarkProcessorLoggen with the
// trusted senders configured (uid 33, 127.0.0.1): Message-IDs are kept and
// every loopback submission (web mail, and amavis's copies) is checked
// against the open messages.
func BenchmarkProcessorLoggenTrusted(b *testing.B) {
	cfg := loggen.DefaultConfig()
	cfg.Messages, cfg.TrustedSenders = 30000, true
	var buf bytes.Buffer
	if _, err := loggen.Postfix(&buf, cfg); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(buf.Bytes(), "\n"), []byte("\n"))
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	var sink nullSink
	for b.Loop() {
		p := newProcessor(b, postfix.Options{YearRef: cfg.Start, Location: time.UTC, Trusted: loggen.TrustedSenders()})
		for _, l := range lines {
			p.ProcessLine(l, &sink)
		}
	}
}
