//go:build crosscheck

// The cross-check feeds generated logs through the real Postfix and Exim
// processors and compares their totals to the ground truth. It is behind a
// build tag so that work in progress on the parsers never breaks this
// package's tests: go test -tags crosscheck ./internal/loggen
package loggen_test

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// sumSink totals events per mailbox and latency samples per direction.
type sumSink struct{ u *usage }

func (s sumSink) Count(e metering.Event)           { s.u.addMailbox(e.Mailbox, e.Metric, e.Value) }
func (s sumSink) Latency(l metering.LatencySample) { s.u.Latency[l.Direction]++ }
func (s sumSink) Storage(metering.StorageSample)   {}
func (u *usage) addMailbox(mb string, m metering.Metric, v int64) {
	if u.Usage[mb] == nil {
		u.Usage[mb] = map[metering.Metric]int64{}
	}
	u.Usage[mb][m] += v
}

func process(p metering.LineProcessor, log []byte) *usage {
	u := newUsage()
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		p.ProcessLine(sc.Bytes(), sumSink{u})
	}
	return u
}

func compare(t *testing.T, tr loggen.Truth, got *usage) {
	t.Helper()
	if d := cmp.Diff(tr.Usage, got.Usage); d != "" {
		t.Errorf("usage (-truth +processor):\n%s", d)
	}
	if d := cmp.Diff(tr.LatencyCount, got.Latency); d != "" {
		t.Errorf("latency samples (-truth +processor):\n%s", d)
	}
}

func TestCrossCheckPostfix(t *testing.T) {
	styles := []loggen.TimestampStyle{loggen.BSDSyslog, loggen.RFC3339Micro, loggen.MaillogFile}
	for seed := uint64(1); seed <= 6; seed++ {
		cfg := small()
		cfg.Seed, cfg.Timestamps = seed, styles[seed%3]
		cfg.LongIDShare, cfg.MaxRecipients = float64(seed%3)/2, int(1+seed%8)
		cfg.Start = time.Date(2026, 12, 31, 23, 58, 0, 0, time.UTC)
		if seed%2 == 0 {
			cfg.Messages, cfg.Lines = 0, 20000 // cut mid-traffic
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			out, tr := gen(t, loggen.Postfix, cfg)
			p, err := postfix.NewProcessor(postfix.Options{YearRef: cfg.Start, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, tr, process(p, out))
		})
	}
}

func TestCrossCheckExim(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		cfg := small()
		cfg.Seed, cfg.MaxRecipients = seed, int(1+seed%8)
		cfg.EximRecipients, cfg.EximMillis, cfg.EximPID = seed%2 == 0, seed%3 == 0, seed%4 != 0
		if seed%3 == 1 {
			cfg.Messages, cfg.Lines = 0, 20000
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			out, tr := gen(t, loggen.Exim, cfg)
			p, err := exim.NewProcessor(exim.Options{Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, tr, process(p, out))
		})
	}
}

func TestCrossCheckExtremes(t *testing.T) {
	for name, tweak := range extremes() {
		t.Run(name, func(t *testing.T) {
			cfg := small()
			cfg.Messages = 600
			tweak(&cfg)
			out, tr := gen(t, loggen.Postfix, cfg)
			p, err := postfix.NewProcessor(postfix.Options{YearRef: cfg.Start, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			compare(t, tr, process(p, out))
			for _, list := range []bool{true, false} {
				cfg.EximRecipients = list
				out, tr = gen(t, loggen.Exim, cfg)
				p, err := exim.NewProcessor(exim.Options{Location: time.UTC})
				if err != nil {
					t.Fatal(err)
				}
				compare(t, tr, process(p, out))
			}
		})
	}
}
