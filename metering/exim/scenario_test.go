package exim_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
)

type totals = map[string]map[metering.Metric]int64

// TestProcessorScenarios checks one rule of docs/metering-rules.md per case.
func TestProcessorScenarios(t *testing.T) {
	const arrivalAuth = "2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= a@example.com H=(pc) [192.0.2.1] P=esmtpa A=plain:a@example.com S=100"
	tests := []struct {
		name    string
		opts    exim.Options
		lines   []string
		want    totals
		samples int
	}{
		{
			name: "cutthrough logged before its arrival",
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 >> x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1] C=\"250 OK\"",
				arrivalAuth + " for x@remote.org",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 Completed",
			},
			want:    totals{"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1, metering.OutBytes: 100}},
			samples: 1,
		},
		{
			name: "suppressed and blackhole deliveries count nothing",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 *> x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1] C=\"delivery bypassed by -N option\"",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => :blackhole: <b@example.com> R=system_aliases",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => >a@example.com <system-filter> T=address_reply",
			},
			want: totals{"a@example.com": {metering.OutMessages: 1}},
		},
		{
			name: "A= without an id is authenticated but attributed to nobody",
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= a@example.com H=(pc) [192.0.2.1] P=esmtpa A=mylogin S=100",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1]",
				"2026-11-02 09:00:01 H=(pc) [192.0.2.1] F=<a@example.com> A=plain rejected RCPT <y@remote.org>: no",
			},
			want:    totals{},
			samples: 1,
		},
		{
			name: "repeated arrival line counts once",
			lines: []string{
				arrivalAuth + " for x@remote.org",
				arrivalAuth + " for x@remote.org",
			},
			want: totals{"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1}},
		},
		{
			name: "distinct recipients at first outcome, original address wins",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 == x@remote.org R=dnslookup T=remote_smtp defer (111): Connection refused",
				"2026-11-02 09:10:01 1tQ1aa-000A01-Q1 => x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1]",
				"2026-11-02 09:10:01 1tQ1aa-000A01-Q1 => b <list@example.com> R=localuser T=local_delivery",
				"2026-11-02 09:10:01 1tQ1aa-000A01-Q1 => c <LIST@example.com> R=localuser T=local_delivery",
			},
			want: totals{
				"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.Deferred: 1, metering.OutBytes: 100},
				"b@example.com": {metering.InMessages: 1, metering.InBytes: 100},
				"c@example.com": {metering.InMessages: 1, metering.InBytes: 100},
			},
			samples: 3,
		},
		{
			name: "re-injected copy delivers before the hop line",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 <= a@example.com H=localhost [127.0.0.1]:40000 I=[127.0.0.1]:10025 P=esmtp S=120",
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 => x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1] C=\"250 OK\"",
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 == y@remote.org R=dnslookup T=remote_smtp defer (111): Connection refused",
				"2026-11-02 09:00:02 1tQ1aa-000A01-Q1 => x@remote.org R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 2.0.0 Ok: queued as 1tQ1bb-000B02-Q2\"",
				"2026-11-02 09:00:02 1tQ1aa-000A01-Q1 -> y@remote.org R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 2.0.0 Ok: queued as 1tQ1bb-000B02-Q2\"",
				"2026-11-02 09:10:00 1tQ1bb-000B02-Q2 => y@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1] C=\"250 OK\"",
			},
			want: totals{"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2,
				metering.OutBytes: 240, metering.Deferred: 1}},
			samples: 2,
		},
		{
			name: "re-injected copy completes before the hop line",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 <= a@example.com H=localhost [127.0.0.1]:40000 I=[127.0.0.1]:10025 P=esmtp S=120",
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 ** x@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1]: 550 no",
				"2026-11-02 09:00:01 1tQ1bb-000B02-Q2 Completed",
				"2026-11-02 09:00:02 1tQ1aa-000A01-Q1 => x@remote.org R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 2.0.0 Ok: queued as 1tQ1bb-000B02-Q2\"",
			},
			want: totals{"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1, metering.Bounced: 1}},
		},
		{
			name: "filter port hop is no delivery",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => x@remote.org R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 2.0.0 Ok\"",
			},
			want: totals{"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1}},
		},
		{
			name: "loopback relay is not counted without IsLocal",
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= s@remote.org H=mx [198.51.100.1] P=esmtp S=50",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u@example.com R=r T=local_smtp H=localhost [127.0.0.1]:2525 C=\"250 OK\"",
			},
			want: totals{},
		},
		{
			name: "loopback delivery to a local domain with IsLocal",
			opts: exim.Options{IsLocal: func(d string) bool { return d == "example.com" }},
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= s@remote.org H=mx [198.51.100.1] P=esmtp S=50",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u@example.com R=r T=local_smtp H=localhost [127.0.0.1]:2525 C=\"250 OK\"",
			},
			want:    totals{"u@example.com": {metering.InMessages: 1, metering.InBytes: 50}},
			samples: 1,
		},
		{
			name: "IPv6 loopback LMTP is local, IPv6 remote is remote",
			lines: []string{
				arrivalAuth,
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u@example.com R=r T=dovecot_lmtp H=::1 [::1]:24",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => x@remote.org R=r T=remote_smtp H=mx [2001:db8::25]:25",
			},
			want: totals{
				"a@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 100},
				"u@example.com": {metering.InMessages: 1, metering.InBytes: 100},
			},
			samples: 2,
		},
		{
			name: "delimiter option",
			opts: exim.Options{Delimiter: "-"},
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= s@remote.org H=mx [198.51.100.1] P=esmtp S=50",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u-news+x@example.com R=r T=lmtp",
			},
			want:    totals{"u@example.com": {metering.InMessages: 1, metering.InBytes: 50}},
			samples: 1,
		},
		{
			name: "no delimiter",
			opts: exim.Options{NoDelimiter: true},
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= s@remote.org H=mx [198.51.100.1] P=esmtp S=50",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u+news@example.com R=r T=lmtp",
			},
			want:    totals{"u+news@example.com": {metering.InMessages: 1, metering.InBytes: 50}},
			samples: 1,
		},
		{
			name: "delivery size when the arrival was not seen",
			lines: []string{
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => u <u@example.com> R=r T=local_delivery S=77",
			},
			want: totals{"u@example.com": {metering.InMessages: 1, metering.InBytes: 77}},
		},
		{
			name: "trusted senders: sendmail -f by a trusted user, loopback SMTP, A= wins, copies and <> are not submissions",
			opts: exim.Options{Trusted: metering.TrustedSenders{Users: []string{"www-data"}, UIDs: []int64{1001},
				Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}},
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= Alice+web@example.com U=www-data P=local S=500 id=w1@example.com for r@remote.org q@remote.org",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 => r@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1] C=\"250 OK\"",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 ** q@remote.org R=dnslookup T=remote_smtp H=mx.remote.org [203.0.113.1]: SMTP error from remote mail server after RCPT TO:<q@remote.org>: 550 no such user",
				"2026-11-02 09:00:01 1tQ1aa-000A01-Q1 Completed",
				"2026-11-02 09:00:02 1tQ1aa-000A02-Q1 <= dave@example.com U=1001 P=local S=200 id=w3@example.com for r@remote.org",
				"2026-11-02 09:00:02 1tQ1aa-000A03-Q1 <= root@example.com U=root P=local S=300 id=w4@example.com for r@remote.org",
				"2026-11-02 09:00:02 1tQ1aa-000A04-Q1 <= <> R=1tQ1aa-000A01-Q1 U=www-data P=local S=300 for alice@example.com",
				"2026-11-02 09:00:03 1tQ1aa-000A05-Q1 <= bob@example.com H=localhost (webmail) [127.0.0.1]:41234 P=esmtp S=700 id=w2@example.com for r@remote.org",
				"2026-11-02 09:00:03 1tQ1aa-000A06-Q1 <= other@example.com H=localhost (webmail) [127.0.0.1]:41235 P=esmtpa A=plain:carol@example.com S=100 id=w5@example.com for r@remote.org",
				"2026-11-02 09:00:03 1tQ1aa-000A07-Q1 <= mallory@example.com H=(evil) [192.0.2.66]:5555 U=www-data P=esmtp S=100 id=w6@example.com for r@remote.org",
				"2026-11-02 09:00:04 H=localhost (webmail) [127.0.0.1]:41236 F=<bob@example.com> rejected RCPT <x@remote.org>: relay not permitted",
				"2026-11-02 09:00:05 1tQ1aa-000A08-Q1 <= s@other.org H=mx.other.org [198.51.100.7]:25 P=esmtp S=900 id=in1@other.org for a@example.com",
				"2026-11-02 09:00:06 1tQ1aa-000A09-Q1 <= s@other.org H=localhost [127.0.0.1]:41237 P=esmtp S=1500 id=in1@other.org for a@example.com",
				"2026-11-02 09:00:06 1tQ1aa-000A08-Q1 => a@example.com R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 2.0.0 Ok: queued as 1tQ1aa-000A09-Q1\"",
				"2026-11-02 09:00:06 1tQ1aa-000A08-Q1 Completed",
			},
			want: totals{
				"alice@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 500, metering.Bounced: 1},
				"dave@example.com":  {metering.OutMessages: 1, metering.OutRecipients: 1},
				"bob@example.com":   {metering.OutMessages: 1, metering.OutRecipients: 1, metering.RejectedOut: 1},
				"carol@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1},
			},
			samples: 1,
		},
		{
			name: "without trusted senders, local and loopback submissions are no one's",
			lines: []string{
				"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= alice@example.com U=www-data P=local S=500 id=w1@example.com for r@remote.org",
				"2026-11-02 09:00:03 1tQ1aa-000A05-Q1 <= bob@example.com H=localhost (webmail) [127.0.0.1]:41234 P=esmtp S=700 id=w2@example.com for r@remote.org",
			},
			want: totals{},
		},
		{
			name: "temporary rejects are tempfailed, permanent ones rejected",
			lines: []string{
				"2026-11-02 09:00:00 H=h [192.0.2.1] F=<s@x.org> temporarily rejected RCPT <u@example.com>: greylisted",
				"2026-11-02 09:00:01 H=h [192.0.2.1] F=<s@x.org> rejected RCPT <u@example.com>: Unknown user",
				"2026-11-02 09:00:02 H=(pc) [192.0.2.9] F=<a@example.com> A=plain:a@example.com temporarily rejected RCPT <x@remote.org>: Could not complete sender verify callout",
				"2026-11-02 09:00:03 H=(pc) [192.0.2.9] F=<a@example.com> A=plain:a@example.com rejected RCPT <y@remote.org>: relay not permitted",
			},
			want: totals{
				"u@example.com": {metering.TempfailedIn: 1, metering.RejectedIn: 1},
				"a@example.com": {metering.TempfailedOut: 1, metering.RejectedOut: 1},
			},
		},
		{
			name: "syslog-wrapped lines without a year",
			opts: exim.Options{YearRef: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC)},
			lines: []string{
				"Dec 31 23:59:59 mx exim[1]: H=h [192.0.2.1] F=<s@x.org> rejected RCPT <u@example.com>: no",
				"Jan  1 00:00:01 mx exim[1]: H=h [192.0.2.1] F=<s@x.org> rejected RCPT <v@example.com>: no",
			},
			want: totals{"u@example.com": {metering.RejectedIn: 1}, "v@example.com": {metering.RejectedIn: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProcessor(t, tt.opts)
			var lines [][]byte
			for _, l := range tt.lines {
				lines = append(lines, []byte(l))
			}
			s := run(t, p, lines)
			if diff := cmp.Diff(tt.want, s.totals()); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			if len(s.samples) != tt.samples {
				t.Errorf("%d latency samples, want %d: %v", len(s.samples), tt.samples, s.samples)
			}
			if st := p.Stats(); len(st.Unknown) != 0 {
				t.Errorf("unknown lines: %v", st.Samples)
			}
			splitEverywhere(t, tt.opts, lines, s)
		})
	}
}

// splitEverywhere checks that marshalling the state after any line and
// restoring it into a fresh processor changes nothing that is emitted.
func splitEverywhere(t *testing.T, opts exim.Options, lines [][]byte, whole *recSink) {
	t.Helper()
	for k := 0; k <= len(lines); k++ {
		first := newProcessor(t, opts)
		a := run(t, first, lines[:k])
		state, err := first.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		second := newProcessor(t, opts)
		if err := second.UnmarshalState(state); err != nil {
			t.Fatal(err)
		}
		b := run(t, second, lines[k:])
		if !sameEvents(whole.events, append(append([]metering.Event(nil), a.events...), b.events...)) ||
			!sameSamples(whole.samples, append(append([]metering.LatencySample(nil), a.samples...), b.samples...)) {
			t.Fatalf("split after line %d emits differently; state %s", k, state)
		}
	}
}

func TestProcessorLateHopLineCountsAtItsLine(t *testing.T) {
	p := newProcessor(t, exim.Options{})
	s := run(t, p, [][]byte{
		[]byte("2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= a@example.com H=(pc) [192.0.2.1] P=esmtpa A=plain:a@example.com S=100"),
		[]byte("2026-11-02 09:00:01 1tQ1bb-000B02-Q2 <= a@example.com H=localhost [127.0.0.1]:40000 P=esmtp S=120"),
		[]byte("2026-11-02 09:00:01 1tQ1bb-000B02-Q2 => x@remote.org R=dnslookup T=remote_smtp H=mx [203.0.113.1]"),
		[]byte("2026-11-02 09:00:07 1tQ1aa-000A01-Q1 => x@remote.org R=amavis T=amavis_smtp H=127.0.0.1 [127.0.0.1]:10024 C=\"250 OK id=1tQ1bb-000B02-Q2\""),
	})
	want := time.Date(2026, 11, 2, 9, 0, 7, 0, time.UTC)
	n := 0
	for _, e := range s.events {
		if e.Metric == metering.OutBytes {
			n++
			if e.Value != 120 || !e.Time.Equal(want) {
				t.Errorf("out_bytes event %+v, want 120 at %v", e, want)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d out_bytes events, want 1: %v", n, s.events)
	}
}

func TestProcessorSyslogYearRollover(t *testing.T) {
	p := newProcessor(t, exim.Options{YearRef: time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC)})
	s := run(t, p, [][]byte{
		[]byte("Dec 31 23:59:59 mx exim[1]: H=h [192.0.2.1] F=<s@x.org> rejected RCPT <u@example.com>: no"),
		[]byte("Jan  1 00:00:01 mx exim[1]: H=h [192.0.2.1] F=<s@x.org> rejected RCPT <v@example.com>: no"),
	})
	var got []string
	for _, e := range s.events {
		got = append(got, e.Time.UTC().Format(time.RFC3339))
	}
	if want := "2026-12-31T23:59:59Z 2027-01-01T00:00:01Z"; strings.Join(got, " ") != want {
		t.Errorf("event times %v, want %s", got, want)
	}
}

func TestProcessorUnknownSamples(t *testing.T) {
	p := newProcessor(t, exim.Options{})
	for i := 0; i < 8; i++ {
		p.ProcessLine([]byte("2026-11-02 09:00:00 something odd"), &recSink{})
	}
	p.ProcessLine([]byte("garbage"), &recSink{})
	st := p.Stats()
	want := map[string]int64{string(exim.ErrUnrecognized): 8, string(exim.ErrTimestamp): 1}
	if diff := cmp.Diff(want, st.Unknown); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
	if n := len(st.Samples[string(exim.ErrUnrecognized)]); n != 5 {
		t.Errorf("%d samples, want 5", n)
	}
	if st.Lines != 9 {
		t.Errorf("lines %d, want 9", st.Lines)
	}
}
