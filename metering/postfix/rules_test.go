package postfix_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

type totals = map[string]map[metering.Metric]int64

// TestProcessorRules checks one metering rule per scenario on a short log.
func TestProcessorRules(t *testing.T) {
	tests := []struct {
		name string
		opts func(*postfix.Options)
		log  string
		want totals
		open int
	}{
		{
			name: "orig_queue_id links a re-injection",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: AAAA00001: client=h[198.51.100.1], sasl_method=PLAIN, sasl_username=u@example.com
Mar 10 09:00:00 mx postfix/qmgr[2]: AAAA00001: from=<u@example.com>, size=100, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/smtpd[3]: BBBB00002: client=localhost[127.0.0.1], orig_queue_id=AAAA00001, orig_client=h[198.51.100.1]
Mar 10 09:00:01 mx postfix/qmgr[2]: BBBB00002: from=<u@example.com>, size=120, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/smtp[4]: AAAA00001: to=<r@remote.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
Mar 10 09:00:01 mx postfix/qmgr[2]: AAAA00001: removed
Mar 10 09:00:02 mx postfix/smtp[5]: BBBB00002: to=<r@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=2, delays=0/0/1/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:02 mx postfix/qmgr[2]: BBBB00002: removed`,
			want: totals{"u@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1, metering.OutBytes: 120}},
		},
		{
			name: "re-injected copy delivered before the hop line",
			log: `Mar 10 09:00:00 mx postfix/submission/smtpd[1]: AAAA00001: client=h[198.51.100.1], sasl_method=PLAIN, sasl_username=u@example.com
Mar 10 09:00:00 mx postfix/qmgr[2]: AAAA00001: from=<u@example.com>, size=100, nrcpt=2 (queue active)
Mar 10 09:00:01 mx postfix/smtpd[3]: BBBB00002: client=localhost[127.0.0.1]
Mar 10 09:00:01 mx postfix/qmgr[2]: BBBB00002: from=<u@example.com>, size=120, nrcpt=2 (queue active)
Mar 10 09:00:01 mx postfix/smtp[5]: BBBB00002: to=<r@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:01 mx postfix/smtp[5]: BBBB00002: to=<q@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (try later)
Mar 10 09:00:02 mx postfix/smtp[4]: AAAA00001: to=<r@remote.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BBBB00002)
Mar 10 09:00:02 mx postfix/smtp[4]: AAAA00001: to=<q@remote.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as BBBB00002)
Mar 10 09:00:02 mx postfix/qmgr[2]: AAAA00001: removed
Mar 10 09:30:00 mx postfix/smtp[5]: BBBB00002: to=<q@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1800, delays=1799/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:30:00 mx postfix/qmgr[2]: BBBB00002: removed`,
			want: totals{"u@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 240, metering.Deferred: 1}},
		},
		{
			name: "journal lines without a stamp take the latest time",
			log: `Mar 10 09:00:00 mx postfix/qmgr[2]: ABCD00010: from=<s@other.org>, size=10, nrcpt=1 (queue active)
mx postfix/virtual[3]: ABCD00010: to=<a@example.com>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)
mx postfix/qmgr[2]: ABCD00010: removed`,
			want: totals{"a@example.com": {metering.InMessages: 1, metering.InBytes: 10}},
		},
		{
			name: "before-queue filter: proxy-accept names the login",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: client=h[198.51.100.1], sasl_method=PLAIN, sasl_username=u@example.com
Mar 10 09:00:01 mx postfix/smtpd[3]: ACDC00011: client=localhost[127.0.0.1], orig_client=h[198.51.100.1]
Mar 10 09:00:01 mx postfix/qmgr[2]: ACDC00011: from=<u@example.com>, size=300, nrcpt=2 (queue active)
Mar 10 09:00:01 mx postfix/smtpd[1]: NOQUEUE: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as ACDC00011; from=<u@example.com> to=<r@remote.net> proto=ESMTP helo=<h> sasl_username=<u@example.com>
Mar 10 09:00:02 mx postfix/smtp[5]: ACDC00011: to=<r@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:02 mx postfix/smtp[5]: ACDC00011: to=<q@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:02 mx postfix/qmgr[2]: ACDC00011: removed`,
			want: totals{"u@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 600}},
		},
		{
			name: "local forwarding is not a delivery",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: AAAA00001: client=h[192.0.2.1]
Mar 10 09:00:00 mx postfix/qmgr[2]: AAAA00001: from=<s@other.org>, size=100, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/local[3]: AAAA00001: to=<fwd@example.com>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (forwarded as CCCC00003)
Mar 10 09:00:01 mx postfix/qmgr[2]: CCCC00003: from=<s@other.org>, size=150, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/qmgr[2]: AAAA00001: removed
Mar 10 09:00:02 mx postfix/virtual[4]: CCCC00003: to=<final@example.com>, relay=virtual, delay=2, delays=1/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:02 mx postfix/qmgr[2]: CCCC00003: removed`,
			want: totals{"final@example.com": {metering.InMessages: 1, metering.InBytes: 150}},
		},
		{
			name: "rspamd reject and its milter-reject count once",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: DDDD00004: client=h[192.0.2.1]
Mar 10 09:00:01 mx rspamd[9]: <ab12cd>; task; rspamd_task_write_log: id: <m@x>, qid: <DDDD00004>, ip: 192.0.2.1, from: <s@spam.test>, (default: T (reject): [20.00/15.00] [X]), len: 900, time: 10ms, dns req: 1, rcpts: <a@example.com>,<b@example.com>
Mar 10 09:00:01 mx postfix/cleanup[3]: DDDD00004: milter-reject: END-OF-MESSAGE from h[192.0.2.1]: 5.7.1 Spam message rejected; from=<s@spam.test> to=<a@example.com> proto=ESMTP helo=<h>`,
			want: totals{"a@example.com": {metering.SpamBlocked: 1}, "b@example.com": {metering.SpamBlocked: 1}},
		},
		{
			name: "milter-reject spam without a filter line",
			log:  `Mar 10 09:00:01 mx postfix/cleanup[3]: DDDD00004: milter-reject: END-OF-MESSAGE from h[192.0.2.1]: 5.7.1 Spam message rejected; from=<s@spam.test> to=<a@example.com> proto=ESMTP helo=<h>`,
			want: totals{"a@example.com": {metering.SpamBlocked: 1}},
		},
		{
			name: "renamed delivery agents by relay",
			log: `Mar 10 09:00:00 mx postfix/qmgr[2]: EEEE00005: from=<s@other.org>, size=10, nrcpt=3 (queue active)
Mar 10 09:00:01 mx postfix/dovecot-deliver[3]: EEEE00005: to=<a@example.com>, relay=dovecot, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered via dovecot service)
Mar 10 09:00:01 mx postfix/smtp-out[4]: EEEE00005: to=<b@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:01 mx postfix/smtp-out[4]: EEEE00005: to=<c@remote.net>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect failed)`,
			want: totals{"a@example.com": {metering.InMessages: 1, metering.InBytes: 10}},
			open: 1,
		},
		{
			name: "login without @ metered as written",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: FFFF00006: client=h[198.51.100.1], sasl_method=LOGIN, sasl_username=JDoe
Mar 10 09:00:00 mx postfix/qmgr[2]: FFFF00006: from=<jdoe@example.com>, size=10, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/smtp[3]: FFFF00006: to=<b@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (try later)`,
			want: totals{"JDoe": {metering.OutMessages: 1, metering.OutRecipients: 1, metering.Deferred: 1}},
			open: 1,
		},
		{
			name: "delimiter option and IsLocal",
			opts: func(o *postfix.Options) {
				o.Delimiter = "-"
				o.IsLocal = func(d string) bool { return d == "example.com" }
			},
			log: `Mar 10 09:00:00 mx postfix/qmgr[2]: ABAB00007: from=<s@other.org>, size=10, nrcpt=2 (queue active)
Mar 10 09:00:01 mx postfix/virtual[3]: ABAB00007: to=<user-list@example.com>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:01 mx postfix/virtual[3]: ABAB00007: to=<user@hosted-elsewhere.org>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:01 mx postfix/qmgr[2]: ABAB00007: removed`,
			want: totals{"user@example.com": {metering.InMessages: 1, metering.InBytes: 10}},
		},
		{
			name: "no delimiter keeps the tag",
			opts: func(o *postfix.Options) { o.NoDelimiter = true },
			log: `Mar 10 09:00:00 mx postfix/qmgr[2]: ABAB00009: from=<s@other.org>, size=10, nrcpt=1 (queue active)
Mar 10 09:00:01 mx postfix/virtual[3]: ABAB00009: to=<user+list@example.com>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to maildir)
Mar 10 09:00:01 mx postfix/qmgr[2]: ABAB00009: removed`,
			want: totals{"user+list@example.com": {metering.InMessages: 1, metering.InBytes: 10}},
		},
		{
			name: "same queue id on two hosts",
			log: `Mar 10 09:00:00 mx1 postfix/smtpd[1]: ACAC00008: client=h[198.51.100.1], sasl_method=PLAIN, sasl_username=u@example.com
Mar 10 09:00:00 mx2 postfix/smtpd[1]: ACAC00008: client=h[192.0.2.1]
Mar 10 09:00:00 mx2 postfix/qmgr[2]: ACAC00008: from=<x@other.org>, size=50, nrcpt=1 (queue active)
Mar 10 09:00:00 mx1 postfix/qmgr[2]: ACAC00008: from=<u@example.com>, size=10, nrcpt=1 (queue active)`,
			want: totals{"u@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1}},
			open: 2,
		},
		{
			name: "lost removed line: a new client= starts over",
			log: `Mar 10 09:00:00 mx postfix/smtpd[1]: ADAD00009: client=h[198.51.100.1], sasl_method=PLAIN, sasl_username=u@example.com
Mar 10 09:00:00 mx postfix/qmgr[2]: ADAD00009: from=<u@example.com>, size=10, nrcpt=1 (queue active)
Mar 10 10:00:00 mx postfix/smtpd[1]: ADAD00009: client=h[192.0.2.1]
Mar 10 10:00:00 mx postfix/qmgr[2]: ADAD00009: from=<x@other.org>, size=50, nrcpt=1 (queue active)
Mar 10 10:00:01 mx postfix/smtp[3]: ADAD00009: to=<b@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)`,
			want: totals{"u@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1}},
			open: 1,
		},
		{
			name: "trusted senders: pickup uid, loopback SMTP, SASL wins, re-injections and <> are not submissions",
			opts: func(o *postfix.Options) {
				o.Trusted = metering.TrustedSenders{UIDs: []int64{33}, Networks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
			},
			log: `Mar 10 09:00:00 mx postfix/pickup[1]: BAAA00001: uid=33 from=<Alice+web@example.com>
Mar 10 09:00:00 mx postfix/cleanup[2]: BAAA00001: message-id=<w1@example.com>
Mar 10 09:00:00 mx postfix/qmgr[3]: BAAA00001: from=<Alice+web@example.com>, size=500, nrcpt=2 (queue active)
Mar 10 09:00:01 mx postfix/smtp[4]: BAAA00001: to=<r@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)
Mar 10 09:00:01 mx postfix/smtp[4]: BAAA00001: to=<q@remote.net>, relay=mx.remote.net[203.0.113.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (user unknown)
Mar 10 09:00:01 mx postfix/qmgr[3]: BAAA00001: removed
Mar 10 09:00:02 mx postfix/pickup[1]: BAAA00002: uid=0 from=<root@example.com>
Mar 10 09:00:02 mx postfix/qmgr[3]: BAAA00002: from=<root@example.com>, size=300, nrcpt=1 (queue active)
Mar 10 09:00:02 mx postfix/pickup[1]: BAAA00003: uid=33 from=<>
Mar 10 09:00:02 mx postfix/qmgr[3]: BAAA00003: from=<>, size=300, nrcpt=1 (queue active)
Mar 10 09:00:03 mx postfix/smtpd[5]: BAAA00004: client=localhost[127.0.0.1]
Mar 10 09:00:03 mx postfix/cleanup[2]: BAAA00004: message-id=<w2@example.com>
Mar 10 09:00:03 mx postfix/qmgr[3]: BAAA00004: from=<bob@example.com>, size=700, nrcpt=1 (queue active)
Mar 10 09:00:03 mx postfix/smtpd[5]: BAAA00005: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=carol@example.com
Mar 10 09:00:03 mx postfix/qmgr[3]: BAAA00005: from=<other@example.com>, size=100, nrcpt=1 (queue active)
Mar 10 09:00:04 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <x@remote.net>: Relay access denied; from=<bob@example.com> to=<x@remote.net> proto=ESMTP helo=<webmail>
Mar 10 09:00:05 mx postfix/smtpd[6]: BAAA00006: client=mx.other.org[198.51.100.7]
Mar 10 09:00:05 mx postfix/cleanup[2]: BAAA00006: message-id=<in1@other.org>
Mar 10 09:00:05 mx postfix/qmgr[3]: BAAA00006: from=<s@other.org>, size=900, nrcpt=1 (queue active)
Mar 10 09:00:06 mx postfix/smtpd[5]: BAAA00007: client=localhost[127.0.0.1]
Mar 10 09:00:06 mx postfix/cleanup[2]: BAAA00007: message-id=<in1@other.org>
Mar 10 09:00:06 mx postfix/qmgr[3]: BAAA00007: from=<s@other.org>, size=1500, nrcpt=1 (queue active)
Mar 10 09:00:06 mx postfix/smtp[4]: BAAA00006: to=<a@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as BAAA00007)
Mar 10 09:00:06 mx postfix/qmgr[3]: BAAA00006: removed
Mar 10 09:00:07 mx postfix/smtpd[5]: BAAA00008: client=localhost[127.0.0.1], orig_queue_id=BAAA00009, orig_client=mx.other.org[198.51.100.7]
Mar 10 09:00:07 mx postfix/cleanup[2]: BAAA00008: message-id=<in2@other.org>
Mar 10 09:00:07 mx postfix/qmgr[3]: BAAA00008: from=<t@other.org>, size=1500, nrcpt=1 (queue active)`,
			want: totals{
				"alice@example.com": {metering.OutMessages: 1, metering.OutRecipients: 2, metering.OutBytes: 500, metering.Bounced: 1},
				"bob@example.com":   {metering.OutMessages: 1, metering.OutRecipients: 1, metering.RejectedOut: 1},
				"carol@example.com": {metering.OutMessages: 1, metering.OutRecipients: 1},
			},
			open: 6,
		},
		{
			name: "without trusted senders, pickup and loopback submissions are no one's",
			log: `Mar 10 09:00:00 mx postfix/pickup[1]: BAAA00001: uid=33 from=<alice@example.com>
Mar 10 09:00:00 mx postfix/qmgr[3]: BAAA00001: from=<alice@example.com>, size=500, nrcpt=1 (queue active)
Mar 10 09:00:03 mx postfix/smtpd[5]: BAAA00004: client=localhost[127.0.0.1]
Mar 10 09:00:03 mx postfix/qmgr[3]: BAAA00004: from=<bob@example.com>, size=700, nrcpt=1 (queue active)`,
			want: totals{},
			open: 2,
		},
		{
			name: "4xx rejects are tempfailed, 5xx rejects rejected",
			log: `Mar 10 09:00:00 mx postfix/postscreen[1]: NOQUEUE: reject: RCPT from [192.0.2.1]:4711: 450 4.3.2 Service currently unavailable; from=<s@o.org>, to=<a@example.com>, proto=ESMTP, helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 450 4.2.0 <b@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html; from=<s@o.org> to=<b@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 450 4.1.1 <c@example.com>: Recipient address rejected: unverified address: host x[192.0.2.7] said: 450 try later; from=<s@o.org> to=<c@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.1]: 550 5.1.1 <a@example.com>: Recipient address rejected: User unknown; from=<s@o.org> to=<a@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/submission/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.9]: 451 4.3.5 Server configuration problem; from=<u@example.com> to=<r@remote.net> proto=ESMTP helo=<h> sasl_username=<u@example.com>
Mar 10 09:00:00 mx postfix/submission/smtpd[1]: NOQUEUE: reject: RCPT from h[192.0.2.9]: 554 5.7.1 <r@remote.net>: Relay access denied; from=<u@example.com> to=<r@remote.net> proto=ESMTP helo=<h> sasl_username=<u@example.com>
Mar 10 09:00:01 mx postfix/cleanup[3]: DDDD00004: milter-reject: END-OF-MESSAGE from h[192.0.2.1]: 4.7.1 Try again later; from=<s@o.org> to=<d@example.com> proto=ESMTP helo=<h>`,
			want: totals{
				"a@example.com": {metering.TempfailedIn: 1, metering.RejectedIn: 1},
				"b@example.com": {metering.TempfailedIn: 1}, "c@example.com": {metering.TempfailedIn: 1},
				"d@example.com": {metering.TempfailedIn: 1},
				"u@example.com": {metering.TempfailedOut: 1, metering.RejectedOut: 1},
			},
		},
		{
			name: "probes, reject_warning, hold and discard count nothing",
			log: `Mar 10 09:00:00 mx postfix/smtp[3]: AEAE0000A: to=<a@example.com>, relay=virtual, delay=1, delays=0/0/0/1, dsn=2.0.0, status=deliverable (delivers to maildir)
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from h[192.0.2.1]: 450 4.7.1 <a@example.com>: x; from=<s@o.org> to=<a@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: hold: RCPT from h[192.0.2.1]: <a@example.com>: x; from=<s@o.org> to=<a@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: discard: RCPT from h[192.0.2.1]: <a@example.com>: x; from=<s@o.org> to=<a@example.com> proto=ESMTP helo=<h>
Mar 10 09:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: MAIL from h[192.0.2.1]: 552 5.3.4 Message size exceeds fixed limit; proto=ESMTP helo=<h>`,
			want: totals{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := postfix.Options{YearRef: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), Location: time.UTC}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			p := newProcessor(t, opts)
			var rec recorder
			for _, l := range strings.Split(tt.log, "\n") {
				p.ProcessLine([]byte(l), &rec)
			}
			if diff := cmp.Diff(tt.want, rec.totals()); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			if st := p.Stats(); st.Open != tt.open || len(st.Unknown) != 0 {
				t.Errorf("open %d unknown %v, want %d open and no unknown", st.Open, st.Unknown, tt.open)
			}
		})
	}
}
