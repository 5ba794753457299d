package postfix_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// nullSink counts without keeping anything.
type nullSink struct{ events, samples int }

func (s *nullSink) Count(metering.Event)           { s.events++ }
func (s *nullSink) Latency(metering.LatencySample) { s.samples++ }
func (s *nullSink) Storage(metering.StorageSample) {}

// syntheticLog builds n messages of realistic traffic: authenticated
// submissions to remote hosts, inbound mail through amavis delivered by
// virtual and lmtp, deferrals, rejects and session chatter.
func syntheticLog(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		sec := i % 60
		min := (i / 60) % 60
		hr := (i / 3600) % 24
		ts := fmt.Sprintf("Mar 10 %02d:%02d:%02d", hr, min, sec)
		q1 := fmt.Sprintf("%X", 0x1000000000+i*2)
		q2 := fmt.Sprintf("%X", 0x1000000001+i*2)
		u := i % 500
		if i%3 == 0 {
			fmt.Fprintf(&b, "%s mx1 postfix/submission/smtpd[%d]: connect from client%d.home.net[198.51.100.%d]\n", ts, 1000+u, u, u%250)
			fmt.Fprintf(&b, "%s mx1 postfix/submission/smtpd[%d]: %s: client=client%d.home.net[198.51.100.%d], sasl_method=PLAIN, sasl_username=user%d@example.com\n", ts, 1000+u, q1, u, u%250, u)
			fmt.Fprintf(&b, "%s mx1 postfix/cleanup[2000]: %s: message-id=<%d.%s@example.com>\n", ts, q1, i, q1)
			fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: from=<user%d@example.com>, size=%d, nrcpt=2 (queue active)\n", ts, q1, u, 1000+i%9000)
			fmt.Fprintf(&b, "%s mx1 postfix/submission/smtpd[%d]: disconnect from client%d.home.net[198.51.100.%d] ehlo=2 starttls=1 auth=1 mail=1 rcpt=2 data=1 quit=1 commands=9\n", ts, 1000+u, u, u%250)
			fmt.Fprintf(&b, "%s mx1 postfix/smtp[3000]: %s: to=<friend%d@remote%d.net>, relay=mx.remote%d.net[203.0.113.%d]:25, delay=1.2, delays=0.1/0.01/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC%dDEF)\n", ts, q1, i, i%50, i%50, i%250, i)
			fmt.Fprintf(&b, "%s mx1 postfix/smtp[3001]: %s: to=<other%d@far%d.org>, relay=mx.far%d.org[2001:db8::%x]:25, delay=3.5, delays=0.1/0/3/0.4, dsn=4.4.1, status=deferred (connect to mx.far%d.org[2001:db8::%x]:25: Connection timed out)\n", ts, q1, i, i%40, i%40, i%250, i%40, i%250)
			fmt.Fprintf(&b, "%s mx1 postfix/smtp[3001]: %s: to=<other%d@far%d.org>, relay=mx.far%d.org[2001:db8::%x]:25, delay=63, delays=60/0/1/2, dsn=2.0.0, status=sent (250 ok)\n", ts, q1, i, i%40, i%40, i%250)
			fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: removed\n", ts, q1)
			continue
		}
		if i%7 == 1 {
			fmt.Fprintf(&b, "%s mx1 postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[192.0.2.%d]: 550 5.1.1 <nobody%d@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<spam%d@spam.test> to=<nobody%d@example.com> proto=ESMTP helo=<spam.test>\n", ts, 4000+u, u%250, u, i, u)
		}
		fmt.Fprintf(&b, "%s mx1 postfix/smtpd[%d]: connect from mail%d.sender.org[192.0.2.%d]\n", ts, 4000+u, u, u%250)
		fmt.Fprintf(&b, "%s mx1 postfix/smtpd[%d]: %s: client=mail%d.sender.org[192.0.2.%d]\n", ts, 4000+u, q1, u, u%250)
		fmt.Fprintf(&b, "%s mx1 postfix/cleanup[2000]: %s: message-id=<%d@sender.org>\n", ts, q1, i)
		fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: from=<news%d@sender.org>, size=%d, nrcpt=1 (queue active)\n", ts, q1, u, 5000+i%20000)
		fmt.Fprintf(&b, "%s mx1 postfix/smtpd[%d]: disconnect from mail%d.sender.org[192.0.2.%d] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n", ts, 4000+u, u, u%250)
		fmt.Fprintf(&b, "%s mx1 postfix/smtpd[5000]: connect from localhost[127.0.0.1]\n", ts)
		fmt.Fprintf(&b, "%s mx1 postfix/smtpd[5000]: %s: client=localhost[127.0.0.1]\n", ts, q2)
		fmt.Fprintf(&b, "%s mx1 postfix/cleanup[2000]: %s: message-id=<%d@sender.org>\n", ts, q2, i)
		fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: from=<news%d@sender.org>, size=%d, nrcpt=1 (queue active)\n", ts, q2, u, 5600+i%20000)
		fmt.Fprintf(&b, "%s mx1 amavis[6000]: (06000-%02d) Passed CLEAN {RelayedInbound}, [192.0.2.%d]:41000 [192.0.2.%d] <news%d@sender.org> -> <user%d@example.com>, Queue-ID: %s, Message-ID: <%d@sender.org>, mail_id: x%d, Hits: 0.1, size: 5000, queued_as: %s, 1200 ms\n", ts, i%100, u%250, u%250, u, u, q1, i, i, q2)
		fmt.Fprintf(&b, "%s mx1 postfix/smtp[7000]: %s: to=<user%d@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0.5/0/0/1.5, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as %s)\n", ts, q1, u, q2)
		fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: removed\n", ts, q1)
		if i%2 == 0 {
			fmt.Fprintf(&b, "%s mx1 postfix/virtual[8000]: %s: to=<user%d@example.com>, relay=virtual, delay=1, delays=0.9/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)\n", ts, q2, u)
		} else {
			fmt.Fprintf(&b, "%s mx1 postfix/lmtp[8001]: %s: to=<user%d@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=1.2, delays=0.9/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 <user%d@example.com> 5GjrDafYTFE7WAAABf1gKA Saved)\n", ts, q2, u, u)
		}
		fmt.Fprintf(&b, "%s mx1 postfix/qmgr[50]: %s: removed\n", ts, q2)
	}
	return b.Bytes()
}

func BenchmarkProcessor(b *testing.B) {
	log := syntheticLog(20000)
	lines := bytes.Split(bytes.TrimRight(log, "\n"), []byte("\n"))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	var sink nullSink
	start, n := cpuTime(), 0
	for b.Loop() {
		p := newProcessor(b, testOptions())
		for _, l := range lines {
			p.ProcessLine(l, &sink)
		}
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(len(log)*n)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

func BenchmarkParseLine(b *testing.B) {
	msg := []byte("1A2B3C4D5E: to=<friend@remote.net>, relay=mx.remote.net[203.0.113.5]:25, delay=1.2, delays=0.1/0.01/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABCDEF)")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = postfix.ParseLine(msg)
	}
}

func TestSyntheticLogFullyParsed(t *testing.T) {
	lines := bytes.Split(bytes.TrimRight(syntheticLog(300), "\n"), []byte("\n"))
	p := newProcessor(t, testOptions())
	var sink nullSink
	for _, l := range lines {
		p.ProcessLine(l, &sink)
	}
	if st := p.Stats(); len(st.Unknown) != 0 || st.Open != 0 {
		t.Errorf("synthetic log: unknown %v samples %v open %d", st.Unknown, st.Samples, st.Open)
	}
}
