package exim_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/exim"
)

// countSink sums what it is given, so nothing is optimized away.
type countSink struct{ events, samples, value int64 }

func (s *countSink) Count(e metering.Event)         { s.events++; s.value += e.Value }
func (s *countSink) Latency(metering.LatencySample) { s.samples++ }
func (s *countSink) Storage(metering.StorageSample) {}

// syntheticMainlog returns n messages' worth of realistic mainlog lines:
// inbound mail delivered over LMTP, authenticated submissions to remote
// servers (some with a deferral), bounces, rejects and connection noise.
func syntheticMainlog(n int) [][]byte {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var lines [][]byte
	add := func(format string, args ...any) { lines = append(lines, fmt.Appendf(nil, format, args...)) }
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("1t%c%c%c%c-000%c%c%c-%c%c", alnum[i%62], alnum[i/62%62], alnum[i/3844%62], 'a',
			alnum[i%61], alnum[i%59], alnum[i%7], alnum[i%53], alnum[i%47])
		sec := i % 60
		ts := fmt.Sprintf("2026-11-02 %02d:%02d:%02d", 8+i/3600%10, i/60%60, sec)
		user := fmt.Sprintf("user%d@example.com", i%500)
		switch i % 4 {
		case 0, 1:
			add("%s [%d] %s <= sender%d@remote%d.org H=mx%d.remote.org [198.51.100.%d]:%d I=[10.0.0.1]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=%d id=%d.%d@remote.org T=\"Re: meeting notes for week %d\" for %s",
				ts, 1000+i%9000, id, i%97, i%13, i%13, i%250, 30000+i%30000, 2000+i%50000, i, i%7, i%52, user)
			add("%s [%d] %s => %s <%s> R=virtual_user T=dovecot_lmtp H=127.0.0.1 [127.0.0.1]:24 C=\"250 2.0.0 <%s> kJ3fGAn2CWbJBQAA Saved\" QT=1s DT=0s",
				ts, 2000+i%9000, id, user, user, user)
			add("%s [%d] %s Completed", ts, 2000+i%9000, id)
		case 2:
			add("%s [%d] %s <= %s H=(client) [192.0.2.%d]:%d I=[10.0.0.1]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:%s S=%d id=%d@example.com T=\"Quarterly report\" from <%s> for a%d@remote.net b%d@remote.net",
				ts, 1000+i%9000, id, user, i%250, 40000+i%20000, user, 1500+i%30000, i, user, i%31, i%37)
			add("%s [%d] %s => a%d@remote.net R=dnslookup T=remote_smtp H=mx.remote.net [203.0.113.%d] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as 4F1A2B3C\" QT=2s DT=1s",
				ts, 3000+i%9000, id, i%31, i%250)
			add("%s [%d] %s -> b%d@remote.net R=dnslookup T=remote_smtp H=mx.remote.net [203.0.113.%d] X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as 4F1A2B3C\" QT=2s DT=1s",
				ts, 3000+i%9000, id, i%37, i%250)
			add("%s [%d] %s Completed", ts, 3000+i%9000, id)
		case 3:
			add("%s [%d] H=bad%d.example [198.51.100.%d]:%d I=[10.0.0.1]:25 F=<spam@bad.example> rejected RCPT <%s>: Sender verify failed",
				ts, 4000+i%9000, i%11, i%250, 5000+i%1000, user)
			add("%s [%d] SMTP connection from (spammer) [203.0.113.%d]:%d I=[10.0.0.1]:25 (TCP/IP connection count = 4)",
				ts, 4000+i%9000, i%250, 6000+i%1000)
			add("%s [%d] %s <= %s H=(client) [192.0.2.%d]:%d I=[10.0.0.1]:587 P=esmtpsa A=dovecot_login:%s S=%d",
				ts, 5000+i%9000, id, user, i%250, 40000+i%20000, user, 900+i%9000)
			add("%s [%d] %s == x%d@slow.example R=dnslookup T=remote_smtp defer (-44) H=mx.slow.example [198.51.100.9]: SMTP error from remote mail server after RCPT TO:<x@slow.example>: 451 4.7.1 Greylisted",
				ts, 5000+i%9000, id, i%19)
			add("%s [%d] %s => x%d@slow.example R=dnslookup T=remote_smtp H=mx.slow.example [198.51.100.9] C=\"250 OK id=1tQ9zz-000Z99-Z9\"",
				ts, 5000+i%9000, id, i%19)
			add("%s [%d] %s Completed", ts, 5000+i%9000, id)
		}
	}
	return lines
}

func BenchmarkProcessor(b *testing.B) {
	benchProcessor(b, syntheticMainlog(20000))
}

// benchProcessor feeds lines to one Processor b.N times. Besides MB/s of
// wall time it reports MB per CPU second of the process (user + system,
// GC included), which stays meaningful on a machine shared with others.
func benchProcessor(b *testing.B, lines [][]byte) {
	var total int64
	for _, l := range lines {
		total += int64(len(l)) + 1
	}
	p, err := exim.NewProcessor(exim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	sink := &countSink{}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			p.ProcessLine(l, sink)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if st := p.Stats(); len(st.Unknown) != 0 {
		b.Fatalf("unknown lines: %v", st.Samples)
	}
	b.ReportMetric(float64(len(lines)), "lines/op")
	if cpu > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// cpuTime returns the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkParseLine(b *testing.B) {
	lines := syntheticMainlog(2000)
	var total int64
	for _, l := range lines {
		total += int64(len(l)) + 1
	}
	var p exim.Parser
	var r exim.Record
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			_ = p.Parse(l, &r)
		}
	}
}

func TestSyntheticMainlogIsClean(t *testing.T) {
	p := newProcessor(t, exim.Options{})
	s := run(t, p, syntheticMainlog(400))
	if st := p.Stats(); len(st.Unknown) != 0 || st.Open != 0 {
		t.Fatalf("unknown %v samples %v open %d", st.Unknown, st.Samples, st.Open)
	}
	if len(s.events) == 0 || len(s.samples) == 0 {
		t.Fatal("synthetic log meters nothing")
	}
}

// BenchmarkProcessorGenerated runs a log from internal/loggen: the traffic
// mix (submissions, filters, deferrals, bounces, rejects, noise) of a busy
// host.
func BenchmarkProcessorGenerated(b *testing.B) {
	lines, _ := generated(b, busy(3, 20000))
	benchProcessor(b, lines)
}
