package exim_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
)

func newProcessor(t testing.TB, opts exim.Options) *exim.Processor {
	t.Helper()
	p, err := exim.NewProcessor(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, p *exim.Processor, lines [][]byte) *recSink {
	t.Helper()
	s := &recSink{}
	for _, l := range lines {
		p.ProcessLine(l, s)
	}
	return s
}

func TestProcessorMainlogTotals(t *testing.T) {
	p := newProcessor(t, exim.Options{})
	s := run(t, p, readLines(t, "testdata/mainlog"))

	want := map[string]map[metering.Metric]int64{
		"alice@example.com": {
			metering.OutMessages: 2, metering.OutRecipients: 4, metering.OutBytes: 3 * 2048,
			metering.Deferred: 3, metering.InMessages: 2, metering.InBytes: 5000 + 1800,
			metering.RejectedOut: 1,
		},
		"bob@example.com": {
			metering.OutMessages: 1, metering.OutRecipients: 2, metering.Bounced: 1,
			metering.InMessages: 2, metering.InBytes: 2500 + 3400, metering.RejectedIn: 1,
			metering.SpamBlocked: 1,
		},
		"carol@example.com": {
			metering.InMessages: 2, metering.InBytes: 1500 + 9000, metering.OutMessages: 1,
			metering.OutRecipients: 1, metering.OutBytes: 1200, metering.TempfailedIn: 1, // greylisted (4xx)
		},
	}
	if diff := cmp.Diff(want, s.totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}

	at := func(clock string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05.000", "2026-11-02 "+clock)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	const dom = "example.com"
	wantLat := []metering.LatencySample{
		{Time: at("09:00:02.000"), Direction: metering.Outbound, Domain: dom, Delay: 2 * time.Second},
		{Time: at("09:00:02.000"), Direction: metering.Outbound, Domain: dom, Delay: 2 * time.Second},
		{Time: at("09:05:01.000"), Direction: metering.Inbound, Domain: dom, Delay: time.Second},
		{Time: at("09:05:04.000"), Direction: metering.Inbound, Domain: dom, Delay: time.Second},
		{Time: at("09:10:07.000"), Direction: metering.Outbound, Domain: dom, Delay: 607 * time.Second},
		{Time: at("09:20:01.250"), Direction: metering.Inbound, Domain: dom, Delay: 1250 * time.Millisecond},
		{Time: at("09:30:03.000"), Direction: metering.Inbound, Domain: dom, Delay: time.Second},
		{Time: at("09:40:04.000"), Direction: metering.Outbound, Domain: dom, Delay: 3 * time.Second},
		{Time: at("10:00:00.000"), Direction: metering.Inbound, Domain: dom, Delay: 0},
		{Time: at("10:30:01.000"), Direction: metering.Outbound, Domain: dom, Delay: time.Second},
		{Time: at("11:00:02.000"), Direction: metering.Inbound, Domain: dom, Delay: 2 * time.Second},
	}
	if diff := cmp.Diff(wantLat, s.samples); diff != "" {
		t.Errorf("latency samples (-want +got):\n%s", diff)
	}

	st := p.Stats()
	if st.Lines != 50 || st.Open != 1 || len(st.Unknown) != 0 {
		t.Errorf("stats: lines %d open %d unknown %v, want 50, 1, none", st.Lines, st.Open, st.Unknown)
	}
	if want := at("11:00:02.000"); !st.NewestLog.Equal(want) {
		t.Errorf("newest line %v, want %v", st.NewestLog, want)
	}
}

func TestProcessorEventTimes(t *testing.T) {
	p := newProcessor(t, exim.Options{})
	s := run(t, p, readLines(t, "testdata/mainlog"))
	// The deferral of z@other.net is counted at its own line, 09:00:05.
	for _, e := range s.events {
		if e.Metric == metering.Deferred && e.Time.Format("15:04:05") == "09:00:05" {
			return
		}
	}
	t.Errorf("no deferred event stamped 09:00:05 in %v", s.events)
}

func TestProcessorLocation(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	p := newProcessor(t, exim.Options{Location: loc})
	s := run(t, p, [][]byte{
		[]byte("2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= a@x.org H=h [192.0.2.1] P=esmtp S=10"),
		[]byte("2026-11-02 09:00:01 +0200 1tQ1aa-000A01-Q1 => b <b@example.com> R=r T=local_delivery"),
	})
	if len(s.events) == 0 {
		t.Fatal("no events")
	}
	want := time.Date(2026, 11, 2, 7, 0, 1, 0, time.UTC)
	if got := s.events[0].Time; !got.Equal(want) {
		t.Errorf("event time %v, want %v (the +0200 stamp)", got, want)
	}
	// Arrival read in CET (08:00 UTC), delivery at 07:00:01 UTC: negative
	// delays are clamped to zero.
	if d := s.samples[0].Delay; d != 0 {
		t.Errorf("delay %v, want 0", d)
	}
}

func TestProcessorStateRoundTripAtEveryLine(t *testing.T) {
	lines := readLines(t, "testdata/mainlog")
	opts := exim.Options{YearRef: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	whole := run(t, newProcessor(t, opts), lines)
	for k := 0; k <= len(lines); k++ {
		first := newProcessor(t, opts)
		a := run(t, first, lines[:k])
		state, err := first.MarshalState()
		if err != nil {
			t.Fatalf("k=%d: marshal: %v", k, err)
		}
		second := newProcessor(t, opts)
		if err := second.UnmarshalState(state); err != nil {
			t.Fatalf("k=%d: unmarshal: %v", k, err)
		}
		again, _ := second.MarshalState()
		if string(again) != string(state) {
			t.Fatalf("k=%d: state does not round-trip:\n%s\n%s", k, state, again)
		}
		b := run(t, second, lines[k:])
		events := append(append([]metering.Event(nil), a.events...), b.events...)
		samples := append(append([]metering.LatencySample(nil), a.samples...), b.samples...)
		if !sameEvents(whole.events, events) {
			diff := cmp.Diff(whole.events, events)
			t.Fatalf("k=%d: events (-whole +split):\n%s", k, diff)
		}
		if !sameSamples(whole.samples, samples) {
			diff := cmp.Diff(whole.samples, samples)
			t.Fatalf("k=%d: samples (-whole +split):\n%s", k, diff)
		}
	}
}

func TestProcessorUnmarshalStateErrors(t *testing.T) {
	for name, data := range map[string]string{
		"not json":    "{",
		"version":     `{"version":99}`,
		"bad message": `{"version":1,"messages":[{"id":"` + string(make([]byte, 30)) + `"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := newProcessor(t, exim.Options{})
			err := p.UnmarshalState([]byte(data))
			if metering.KindOf(err) != metering.Invalid {
				t.Errorf("err %v, want kind invalid", err)
			}
		})
	}
}

func TestProcessorExpire(t *testing.T) {
	p := newProcessor(t, exim.Options{MaxAge: time.Hour})
	lines := readLines(t, "testdata/mainlog")
	s := run(t, p, lines)
	last := time.Date(2026, 11, 2, 10, 50, 5, 0, time.UTC) // the stuck message's last line
	p.Expire(last.Add(time.Hour), s)
	if st := p.Stats(); st.Open != 1 || st.Evicted != 0 {
		t.Fatalf("after expire at max age: open %d evicted %d, want 1, 0", st.Open, st.Evicted)
	}
	p.Expire(last.Add(time.Hour+time.Second), s)
	if st := p.Stats(); st.Open != 0 || st.Evicted != 1 {
		t.Fatalf("after expire past max age: open %d evicted %d, want 0, 1", st.Open, st.Evicted)
	}
	// A late line of the evicted message meters nothing more to its sender.
	before := len(s.events)
	p.ProcessLine([]byte("2026-11-02 12:00:00 1tQ1jj-000J10-QA == stuck@slow.example R=dnslookup T=remote_smtp defer (111): Connection refused"), s)
	if len(s.events) != before {
		t.Errorf("evicted message still metered: %v", s.events[before:])
	}
}

func TestProcessorOptionsValidate(t *testing.T) {
	if _, err := exim.NewProcessor(exim.Options{MaxAge: -time.Second}); metering.KindOf(err) != metering.Invalid {
		t.Errorf("negative max age: err %v, want invalid", err)
	}
	if _, err := exim.NewProcessor(exim.Options{FilterPorts: []int{70000}}); metering.FieldOf(err) != "FilterPorts" {
		t.Errorf("bad port: err %v, want FilterPorts field error", err)
	}
}
