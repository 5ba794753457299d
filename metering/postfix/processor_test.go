package postfix_test

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

func newProcessor(t testing.TB, opts postfix.Options) *postfix.Processor {
	t.Helper()
	p, err := postfix.NewProcessor(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder is a fake metering.Sink keeping everything in order.
type recorder struct {
	events  []metering.Event
	latency []metering.LatencySample
}

func (r *recorder) Count(e metering.Event)           { r.events = append(r.events, e) }
func (r *recorder) Latency(s metering.LatencySample) { r.latency = append(r.latency, s) }
func (r *recorder) Storage(metering.StorageSample)   {}
func (r *recorder) totals() map[string]map[metering.Metric]int64 {
	out := map[string]map[metering.Metric]int64{}
	for _, e := range r.events {
		if out[e.Mailbox] == nil {
			out[e.Mailbox] = map[metering.Metric]int64{}
		}
		out[e.Mailbox][e.Metric] += e.Value
	}
	return out
}

func testOptions() postfix.Options {
	return postfix.Options{
		YearRef:  time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
		Location: time.UTC,
		IsLocal:  func(d string) bool { return d == "example.com" },
	}
}

func readTestdata(t testing.TB, name string) [][]byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
}

func run(p *postfix.Processor, lines [][]byte, sink metering.Sink) {
	for _, l := range lines {
		p.ProcessLine(l, sink)
	}
}

func TestProcessorRealistic(t *testing.T) {
	lines := readTestdata(t, "realistic.log")
	p := newProcessor(t, testOptions())
	var rec recorder
	run(p, lines, &rec)

	want := map[string]map[metering.Metric]int64{
		"alice@example.com": {
			metering.OutMessages: 3, metering.OutRecipients: 4, metering.OutBytes: 4096,
			metering.Deferred: 1, metering.Bounced: 1, metering.InMessages: 1, metering.InBytes: 3000,
			metering.RejectedOut: 1,
		},
		"dave@example.com":  {metering.InMessages: 3, metering.InBytes: 6400, metering.VirusBlocked: 1},
		"erin@example.com":  {metering.InMessages: 1, metering.InBytes: 5600, metering.SpamBlocked: 1},
		"frank@example.com": {metering.RejectedIn: 1},
		"grace@example.com": {metering.RejectedIn: 1},
		"henry@example.com": {
			metering.OutMessages: 1, metering.OutRecipients: 3, metering.OutBytes: 4000,
			metering.Deferred: 4, metering.Bounced: 2, metering.InMessages: 1, metering.InBytes: 2500,
		},
	}
	if diff := cmp.Diff(want, rec.totals()); diff != "" {
		t.Errorf("per-mailbox totals (-want +got):\n%s", diff)
	}

	var lat []string
	for _, s := range rec.latency {
		lat = append(lat, fmt.Sprintf("%s %s %v", s.Direction, s.Domain, s.Delay))
	}
	sort.Strings(lat)
	wantLat := []string{
		"inbound example.com 1.2s", "inbound example.com 100ms", "inbound example.com 1s",
		"inbound example.com 1s", "inbound example.com 200ms", "inbound example.com 2s",
		"outbound example.com 1s", "outbound example.com 2.1s", "outbound example.com 30m4s",
		"outbound mx1.example.com 1s",
	}
	if diff := cmp.Diff(wantLat, lat); diff != "" {
		t.Errorf("latency samples (-want +got):\n%s", diff)
	}

	st := p.Stats()
	if st.Lines != int64(len(lines)) || st.Open != 1 {
		t.Errorf("stats: lines %d open %d, want %d and 1", st.Lines, st.Open, len(lines))
	}
	if n := st.Records["other-program"]; n != 1 || len(st.Unknown) != 0 {
		t.Errorf("unknown lines %v, other programs %d: want none and the dovecot line", st.Unknown, n)
	}
	if want := time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC); !st.NewestLog.Equal(want) {
		t.Errorf("newest line %v, want %v", st.NewestLog, want)
	}
}

func TestProcessorEventTimes(t *testing.T) {
	p := newProcessor(t, testOptions())
	var rec recorder
	run(p, readTestdata(t, "realistic.log"), &rec)
	first := rec.events[0]
	if want := time.Date(2026, 3, 10, 9, 0, 1, 0, time.UTC); first.Metric != metering.OutMessages || !first.Time.Equal(want) {
		t.Errorf("first event %+v, want out_messages at %v (the qmgr line)", first, want)
	}
}

// TestProcessorStateRoundTrip splits the log at every line: processing
// 1..k, marshaling, restoring into a fresh Processor and processing k+1..n
// must emit exactly what one pass emits.
func TestProcessorStateRoundTrip(t *testing.T) {
	lines := readTestdata(t, "realistic.log")
	whole := newProcessor(t, testOptions())
	var want recorder
	run(whole, lines, &want)
	for k := 0; k <= len(lines); k++ {
		a := newProcessor(t, testOptions())
		var got recorder
		run(a, lines[:k], &got)
		state, err := a.MarshalState()
		if err != nil {
			t.Fatalf("k=%d: MarshalState: %v", k, err)
		}
		b := newProcessor(t, postfix.Options{Location: time.UTC, IsLocal: testOptions().IsLocal,
			YearRef: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}) // a wrong reference: the state must win
		if k == 0 {
			b = newProcessor(t, testOptions())
		}
		if err := b.UnmarshalState(state); err != nil {
			t.Fatalf("k=%d: UnmarshalState: %v", k, err)
		}
		run(b, lines[k:], &got)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(recorder{})); diff != "" {
			t.Fatalf("split at %d (-one pass +split):\n%s", k, diff)
		}
		if b.Stats().Open != whole.Stats().Open {
			t.Fatalf("split at %d: %d open, want %d", k, b.Stats().Open, whole.Stats().Open)
		}
	}
}

func TestProcessorUnmarshalBad(t *testing.T) {
	p := newProcessor(t, testOptions())
	for _, in := range []string{"{", `{"version":99}`, `[]`} {
		if err := p.UnmarshalState([]byte(in)); err == nil {
			t.Errorf("UnmarshalState(%q) succeeded", in)
		}
	}
}

func TestProcessorExpire(t *testing.T) {
	p := newProcessor(t, testOptions())
	var rec recorder
	run(p, readTestdata(t, "realistic.log"), &rec)
	last := time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC)
	p.Expire(last.Add(metering.DefaultMaxOpenAge-time.Minute), &rec)
	if st := p.Stats(); st.Open != 1 || st.Evicted != 0 {
		t.Fatalf("before max age: open %d evicted %d, want 1 and 0", st.Open, st.Evicted)
	}
	n := len(rec.events)
	p.Expire(last.Add(metering.DefaultMaxOpenAge+time.Minute), &rec)
	if st := p.Stats(); st.Open != 0 || st.Evicted != 1 {
		t.Fatalf("after max age: open %d evicted %d, want 0 and 1", st.Open, st.Evicted)
	}
	if len(rec.events) != n {
		t.Errorf("Expire emitted %d events, want none", len(rec.events)-n)
	}
}

func TestProcessorMaxAgeOption(t *testing.T) {
	opts := testOptions()
	opts.MaxAge = time.Hour
	p := newProcessor(t, opts)
	var rec recorder
	run(p, readTestdata(t, "realistic.log")[:4], &rec) // alice's message, open
	p.Expire(time.Date(2026, 3, 10, 10, 0, 2, 0, time.UTC), &rec)
	if st := p.Stats(); st.Evicted != 1 || st.Open != 0 {
		t.Errorf("open %d evicted %d, want 0 and 1", st.Open, st.Evicted)
	}
}

func TestProcessorUnknownSamples(t *testing.T) {
	p := newProcessor(t, testOptions())
	var rec recorder
	for i := 0; i < 8; i++ {
		p.ProcessLine([]byte(fmt.Sprintf("Mar 10 09:00:0%d mx1 postfix/smtpd[1]: gibberish %d", i, i)), &rec)
	}
	p.ProcessLine([]byte("no envelope at all"), &rec)
	st := p.Stats()
	if st.Unknown["unrecognized message"] != 8 || len(st.Samples["unrecognized message"]) != 5 {
		t.Errorf("unknown %v samples %d", st.Unknown, len(st.Samples["unrecognized message"]))
	}
	if st.Unknown["no recognizable timestamp"] != 1 {
		t.Errorf("unknown %v, want one line without envelope", st.Unknown)
	}
}

func TestProcessorStamplessLineTime(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	opts := testOptions()
	opts.Now = func() time.Time { return now }
	p := newProcessor(t, opts)
	var rec recorder
	line := "mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 550 x; from=<s@o.org> to=<a@example.com> proto=ESMTP helo=<h>"
	p.ProcessLine([]byte(line), &rec)
	p.ProcessLine([]byte("Mar 10 09:00:00 "+line), &rec)
	p.ProcessLine([]byte(line), &rec)
	want := []time.Time{now, time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	if len(rec.events) != 3 {
		t.Fatalf("%d events, want 3", len(rec.events))
	}
	for i, e := range rec.events {
		if !e.Time.Equal(want[i]) {
			t.Errorf("event %d at %v, want %v", i, e.Time, want[i])
		}
	}
}

func TestProcessorOptionsValidate(t *testing.T) {
	if _, err := postfix.NewProcessor(postfix.Options{MaxAge: -time.Second}); metering.KindOf(err) != metering.Invalid {
		t.Errorf("negative max age: err %v, want invalid", err)
	}
	if _, err := postfix.NewProcessor(postfix.Options{FilterPorts: []int{70000}}); metering.FieldOf(err) != "FilterPorts" {
		t.Errorf("bad port: err %v, want FilterPorts field error", err)
	}
	if _, err := postfix.NewProcessor(postfix.Options{Bounds: metering.Bounds{MaxRecipients: -1}}); metering.FieldOf(err) != "max_recipients" {
		t.Errorf("bad bound: err %v, want max_recipients field error", err)
	}
}
