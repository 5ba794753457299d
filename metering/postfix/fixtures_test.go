package postfix_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// TestProcessorFixtures runs the Processor over every syslog-framed
// Postfix, clamav and amavis fixture: no panic, every line either a record
// or an explicit unknown reason, reported per file.
func TestProcessorFixtures(t *testing.T) {
	dir := fixtureDir(t)
	var files []string
	for _, sub := range []string{"postfix", "clamav", "amavis"} {
		f, _ := filepath.Glob(filepath.Join(dir, sub, "*.log"))
		files = append(files, f...)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".msg.log") {
			continue // message parts only: see TestParseLineFixtures
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			lines := readLines(t, name)
			p := newProcessor(t, postfix.Options{YearRef: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Location: time.UTC})
			var rec recorder
			for _, l := range lines {
				p.ProcessLine([]byte(l), &rec)
			}
			st := p.Stats()
			var known, unknown int64
			for _, n := range st.Records {
				known += n
			}
			for _, n := range st.Unknown {
				unknown += n
			}
			if known+unknown != st.Lines || st.Lines != int64(len(lines)) {
				t.Errorf("%d lines, %d records + %d unknown", st.Lines, known, unknown)
			}
			t.Logf("lines=%d records=%v unknown=%v events=%d latency=%d open=%d",
				st.Lines, st.Records, st.Unknown, len(rec.events), len(rec.latency), st.Open)
		})
	}
}

// fixtureFile runs a fresh Processor over the lines of one fixture file
// that contain filter (all lines when filter is "").
func fixtureFile(t *testing.T, rel, filter string) (*postfix.Processor, *recorder) {
	t.Helper()
	p := newProcessor(t, postfix.Options{YearRef: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Location: time.UTC})
	var rec recorder
	for _, l := range readLines(t, filepath.Join(fixtureDir(t), rel)) {
		if strings.Contains(l, filter) {
			p.ProcessLine([]byte(l), &rec)
		}
	}
	return p, &rec
}

func TestFixtureZentyalSubmission(t *testing.T) {
	lines := readLines(t, filepath.Join(fixtureDir(t), "postfix", "zentyal-maillog-helper.log"))
	var client, queued postfix.Record
	sent := 0
	for _, l := range lines {
		if !strings.Contains(l, "DBED828417") {
			continue
		}
		msg, _, _ := messagePart("x.log", l)
		r, err := postfix.ParseLine(msg)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		switch r.Kind {
		case postfix.KindClient:
			client = r
		case postfix.KindQueued:
			queued = r
		case postfix.KindDelivery:
			if r.Status == postfix.StatusSent && string(r.To) == "jamor@dplanet.com" {
				sent++
			}
		}
	}
	if string(client.SASLUsername) != "macaco@monos.org" || string(client.SASLMethod) != "PLAIN" {
		t.Errorf("client line: sasl %q %q", client.SASLMethod, client.SASLUsername)
	}
	if queued.Size != 890 || queued.Nrcpt != 2 || string(queued.From) != "macaco@monos.org" {
		t.Errorf("qmgr line: size %d nrcpt %d from %q", queued.Size, queued.Nrcpt, queued.From)
	}
	if sent != 2 {
		t.Errorf("%d sent deliveries, want 2", sent)
	}

	_, rec := fixtureFile(t, "postfix/zentyal-maillog-helper.log", "DBED828417")
	want := map[metering.Metric]int64{metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 1780}
	got := rec.totals()["macaco@monos.org"]
	for m, v := range want {
		if got[m] != v {
			t.Errorf("macaco@monos.org %s = %d, want %d", m, got[m], v)
		}
	}
	if len(rec.latency) != 2 || rec.latency[0].Delay != 1600*time.Millisecond || rec.latency[0].Domain != "monos.org" {
		t.Errorf("latency samples %+v, want two outbound 1.6s for monos.org", rec.latency)
	}
}

func TestFixtureDebianMaillogFile(t *testing.T) {
	lines := readLines(t, filepath.Join(fixtureDir(t), "postfix", "debian-postfix37-maillog_file.log"))
	var sentBytes, sent, rejects int64
	sizes := map[string]int64{}
	for _, l := range lines {
		msg, _, _ := messagePart("x.log", l)
		r, err := postfix.ParseLine(msg)
		if err != nil {
			continue
		}
		switch {
		case r.Kind == postfix.KindQueued:
			sizes[string(r.QueueID)] = r.Size
		case r.Kind == postfix.KindDelivery && r.Status == postfix.StatusSent:
			sent++
			sentBytes += sizes[string(r.QueueID)]
		case r.Kind == postfix.KindReject && string(r.Stage) == "RCPT":
			rejects++
		}
	}
	p, rec := fixtureFile(t, "postfix/debian-postfix37-maillog_file.log", "")
	var in, inBytes, rejIn int64
	for _, e := range rec.events {
		switch e.Metric {
		case metering.InMessages:
			in += e.Value
		case metering.InBytes:
			inBytes += e.Value
		case metering.RejectedIn:
			rejIn += e.Value
		}
	}
	if in != sent || inBytes != sentBytes || rejIn != rejects || sent != 138 || rejects != 15 {
		t.Errorf("in_messages %d in_bytes %d rejected_in %d; want %d, %d, %d (138 deliveries, 15 rejects)",
			in, inBytes, rejIn, sent, sentBytes, rejects)
	}
	if st := p.Stats(); st.Open != 0 || len(st.Unknown) != 0 {
		t.Errorf("open %d unknown %v, want none", st.Open, st.Unknown)
	}
	if st := p.Stats(); !st.NewestLog.After(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("newest line %v, want 28 Nov 2026", st.NewestLog)
	}
}

func TestFixtureClamavMilter(t *testing.T) {
	p, rec := fixtureFile(t, "clamav/imscp-clamav-milter.log", "")
	got := rec.totals()
	if got["nuxwin@domain.tld"][metering.VirusBlocked] != 1 || len(rec.events) != 1 {
		t.Errorf("events %+v, want one virus_blocked for nuxwin@domain.tld", rec.events)
	}
	if st := p.Stats(); st.Open != 0 || st.Records["filter-verdict"] != 1 {
		t.Errorf("open %d records %v, want the rejected message closed and one verdict", st.Open, st.Records)
	}
}

func TestFixtureAmavisBlocked(t *testing.T) {
	_, rec := fixtureFile(t, "amavis/zentyal-amavis.log", "")
	got := rec.totals()["macaco@monos.org"]
	// zentyal-amavis: Blocked SPAM ×3, Blocked INFECTED ×1; BANNED and BAD-HEADER are not metrics.
	if got[metering.SpamBlocked] != 3 || got[metering.VirusBlocked] != 1 {
		t.Errorf("macaco@monos.org: %v, want spam_blocked 3 virus_blocked 1", got)
	}
	_, rec = fixtureFile(t, "amavis/crowdsec-amavis.log", "")
	if rec.totals()["someon2@something2.com"][metering.VirusBlocked] != 1 {
		t.Errorf("crowdsec-amavis: %v, want one virus_blocked", rec.events)
	}
}

func TestFixtureYouyoIsoMatchesBSD(t *testing.T) {
	// The two youyo files are the same traffic with different stamps.
	_, a := fixtureFile(t, "postfix/youyo-test.log", "")
	_, b := fixtureFile(t, "postfix/youyo-test-iso8601.log", "")
	if len(a.events) != len(b.events) || len(a.latency) != len(b.latency) {
		t.Fatalf("bsd: %d events %d samples; iso: %d events %d samples", len(a.events), len(a.latency), len(b.events), len(b.latency))
	}
	ta, tb := a.totals(), b.totals()
	for mb, m := range ta {
		for metric, v := range m {
			if tb[mb][metric] != v {
				t.Errorf("%s %s: bsd %d iso %d", mb, metric, v, tb[mb][metric])
			}
		}
	}
}

// TestFixtureLines asserts fields of specific fixture lines, found by a
// marker, covering the traps of FORMATS.md section 1.
func TestFixtureLines(t *testing.T) {
	dir := fixtureDir(t)
	tests := []struct {
		file, marker string
		check        func(r postfix.Record) bool
	}{
		{"alaveteli-postfix.log", "A323688C523:from=", func(r postfix.Record) bool {
			return r.Kind == postfix.KindExpired && string(r.QueueID) == "A323688C523" && string(r.From) == "foo@example.com"
		}},
		{"alaveteli-postfix.log", "9634B16F7F7: to=<kdent@example.com>", func(r postfix.Record) bool {
			return r.Kind == postfix.KindDelivery && r.Status == postfix.StatusDeferred && r.Delays == nil && r.DSN == nil && r.Delay == 46*time.Second
		}},
		{"fail2ban-postfix.log", "44JCRG5tYPzCqt2: reject: BDAT", func(r postfix.Record) bool {
			return r.Kind == postfix.KindReject && string(r.QueueID) == "44JCRG5tYPzCqt2" && string(r.Stage) == "BDAT" && len(r.From) == 0 && r.From != nil && string(r.To) == "some@example.com"
		}},
		{"sekoia-intake-postfix.msg.log", "2298F5F619: to=<admin@corp.com>", func(r postfix.Record) bool {
			return r.Status == postfix.StatusDeferred && strings.HasSuffix(string(r.Text), "Connection timed out") && r.Delay == 89758*time.Second
		}},
		{"kumina-postfix-exporter.log", "BACE842E73", func(r postfix.Record) bool {
			return r.Kind == postfix.KindExpired && string(r.StatusWord) == "force-expired"
		}},
		{"logwatch-postfix-TD.msg.log", "DD925BBE2: to=<to@example.net>", func(r postfix.Record) bool {
			rel := postfix.ParseRelay(r.Relay)
			return string(r.OrigTo) == "to-ext@example.net" && string(rel.Addr) == "2001:dead:beef::1" && string(r.QueuedAs) == "5221227246"
		}},
		{"zentyal-maillog-helper.log", "sender non-delivery notification", func(r postfix.Record) bool {
			return r.Kind == postfix.KindNotification && isHexID(r.NewQueueID)
		}},
		{"debian-postfix37-maillog_file.log", "552 5.2.2 <bob@example.test>", func(r postfix.Record) bool {
			return r.Kind == postfix.KindReject && r.Action == postfix.ActionReject && string(r.To) == "bob@example.test" && string(r.Proto) == "ESMTP"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.marker, func(t *testing.T) {
			name := filepath.Join(dir, "postfix", tt.file)
			for _, l := range readLines(t, name) {
				if !strings.Contains(l, tt.marker) {
					continue
				}
				msg, _, _ := messagePart(name, l)
				r, err := postfix.ParseLine(msg)
				if err != nil || !tt.check(r) {
					t.Errorf("%q: %v, record %+v", l, err, flat(r))
				}
				return
			}
			t.Fatalf("no line with %q in %s", tt.marker, tt.file)
		})
	}
}

func isHexID(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(b) >= 5
}
