package logline_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/logline"
)

type want struct {
	Time             time.Time
	HasYear, HasZone bool
	Host, Program    string
	Daemon, Instance string
	PID              int
	Message          string
}

func got(e logline.Envelope) want {
	return want{e.Time, e.HasYear, e.HasZone, e.Host, e.Program, e.Daemon, e.Instance, e.PID, string(e.Message)}
}

func bsd(mo time.Month, d, h, m, s int) time.Time { return time.Date(0, mo, d, h, m, s, 0, time.UTC) }

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want want
	}{
		{"bsd space padded", "Feb  7 12:25:45 xxx12345 postfix/smtpd[13275]: connect from x[1.2.3.4]",
			want{bsd(2, 7, 12, 25, 45), false, false, "xxx12345", "postfix/smtpd", "smtpd", "postfix", 13275, "connect from x[1.2.3.4]"}},
		{"bsd zero padded", "Jul 02 13:49:31 hostname dovecot[442]: imap-login: x",
			want{bsd(7, 2, 13, 49, 31), false, false, "hostname", "dovecot", "dovecot", "", 442, "imap-login: x"}},
		{"bsd unpadded", "Mar 7 02:09:33 server postfix/smtpd[27246]: m",
			want{bsd(3, 7, 2, 9, 33), false, false, "server", "postfix/smtpd", "smtpd", "postfix", 27246, "m"}},
		{"bsd no pid", "Sep 8 07:46:30 canyon dovecot: pop3-login: x",
			want{bsd(9, 8, 7, 46, 30), false, false, "canyon", "dovecot", "dovecot", "", 0, "pop3-login: x"}},
		{"bsd two digit day", "Oct 10 15:59:28 mail postfix/qmgr[1]: C6E0DDB74006: removed",
			want{bsd(10, 10, 15, 59, 28), false, false, "mail", "postfix/qmgr", "qmgr", "postfix", 1, "C6E0DDB74006: removed"}},
		{"leap day", "Feb 29 00:00:00 h postfix/qmgr[1]: x",
			want{bsd(2, 29, 0, 0, 0), false, false, "h", "postfix/qmgr", "qmgr", "postfix", 1, "x"}},
		{"rfc3339 micro utc", "2024-08-26T01:33:38.572449+00:00 machine postfix/smtpd[60203]: NOQUEUE: reject",
			want{time.Date(2024, 8, 26, 1, 33, 38, 572449000, time.UTC), true, true, "machine", "postfix/smtpd", "smtpd", "postfix", 60203, "NOQUEUE: reject"}},
		{"rfc3339 micro +09", "2020-01-30T06:26:05.404714+09:00 mail postfix/smtpd[1830]: connect",
			want{time.Date(2020, 1, 29, 21, 26, 5, 404714000, time.UTC), true, true, "mail", "postfix/smtpd", "smtpd", "postfix", 1830, "connect"}},
		{"rfc3339 no fraction", "2019-09-10T16:23:03+02:00 hostfoo spamd[13943]: spamd: result: .",
			want{time.Date(2019, 9, 10, 14, 23, 3, 0, time.UTC), true, true, "hostfoo", "spamd", "spamd", "", 13943, "spamd: result: ."}},
		{"rfc3339 Z", "2019-09-10T16:23:03Z h p[1]: m",
			want{time.Date(2019, 9, 10, 16, 23, 3, 0, time.UTC), true, true, "h", "p", "p", "", 1, "m"}},
		{"rfc3339 no zone", "2019-09-10T16:23:03.5 h p[1]: m",
			want{time.Date(2019, 9, 10, 16, 23, 3, 500000000, time.UTC), true, false, "h", "p", "p", "", 1, "m"}},
		{"priority tag", "Jun 17 14:37:39 <mail.info> robin sm-mta[2794]: r",
			want{bsd(6, 17, 14, 37, 39), false, false, "robin", "sm-mta", "sm-mta", "", 2794, "r"}},
		{"pri prefix", "<22>Jun 17 14:37:39 robin sm-mta[2794]: r",
			want{bsd(6, 17, 14, 37, 39), false, false, "robin", "sm-mta", "sm-mta", "", 2794, "r"}},
		{"no host", "Jan 29 09:33:58 pop3-login: Info: Login",
			want{bsd(1, 29, 9, 33, 58), false, false, "", "pop3-login", "pop3-login", "", 0, "Info: Login"}},
		{"no host dovecot session", "Oct 06 12:40:13 lmtp(u@x)<sess>: Info: saved",
			want{bsd(10, 6, 12, 40, 13), false, false, "", "lmtp", "lmtp", "", 0, "lmtp(u@x)<sess>: Info: saved"}},
		{"host and user tag", "Oct  1 06:58:29 u86 deliver(macaco@monos.org): msgid=<a@b>: saved mail to INBOX",
			want{bsd(10, 1, 6, 58, 29), false, false, "u86", "deliver", "deliver", "", 0, "deliver(macaco@monos.org): msgid=<a@b>: saved mail to INBOX"}},
		{"tai64n", "@400000004c91b044077a9e94 imap-login: Info: Aborted",
			want{time.Unix(0x4c91b044-10, 0x077a9e94).UTC(), true, true, "", "imap-login", "imap-login", "", 0, "Info: Aborted"}},
		{"maillog_file", "Nov 28 17:12:10 vm postfix/master[26086]: daemon started",
			want{bsd(11, 28, 17, 12, 10), false, false, "vm", "postfix/master", "master", "postfix", 26086, "daemon started"}},
		{"journal host first", "mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain",
			want{time.Time{}, false, false, "mail.example.com", "exim", "exim", "", 3751842, "2021-07-17 23:20:49 plain"}},
		{"multi instance", "Jan 1 00:00:00 h postfix-smo/submission/smtpd[9]: m",
			want{bsd(1, 1, 0, 0, 0), false, false, "h", "postfix-smo/submission/smtpd", "smtpd", "postfix-smo/submission", 9, "m"}},
		{"ipv6 host", "Jan 1 00:00:00 2001:db8::1 postfix/smtp[9]: m",
			want{bsd(1, 1, 0, 0, 0), false, false, "2001:db8::1", "postfix/smtp", "smtp", "postfix", 9, "m"}},
		{"exim mainlog zone", "2020-06-20 01:32:57 +0200 [789] 1jmFYj-00039V-QX <= a",
			want{time.Date(2020, 6, 19, 23, 32, 57, 0, time.UTC), true, true, "", "", "", "", 0, "[789] 1jmFYj-00039V-QX <= a"}},
		{"exim mainlog millis", "2023-05-30 06:10:13.345 1jmFYj-00039V-QX <= a",
			want{time.Date(2023, 5, 30, 6, 10, 13, 345000000, time.UTC), true, false, "", "", "", "", 0, "1jmFYj-00039V-QX <= a"}},
		{"empty message", "Jan 1 00:00:00 h p[1]:",
			want{bsd(1, 1, 0, 0, 0), false, false, "h", "p", "p", "", 1, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := logline.Parse([]byte(tt.line))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.line, err)
			}
			if diff := cmp.Diff(tt.want, got(e)); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, line string
		want       error
	}{
		{"empty", "", logline.ErrEmpty},
		{"only month", "Jan", logline.ErrTimestamp},
		{"bad month", "Foo 1 00:00:00 hostname", logline.ErrTimestamp},
		{"no tag", "Jan 1 00:00:00", logline.ErrTag},
		{"message part only", "warning: ignoring garbage", logline.ErrTimestamp},
		{"bad tai64n", "@4000zz", logline.ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := logline.Parse([]byte(tt.line)); err != tt.want {
				t.Errorf("Parse(%q) = %v, want %v", tt.line, err, tt.want)
			}
		})
	}
}

func TestParserAllocs(t *testing.T) {
	var p logline.Parser
	line := []byte("Oct  1 11:47:51 u86 postfix/qmgr[9572]: DBED828417: from=<macaco@monos.org>, size=890, nrcpt=2 (queue active)")
	if _, err := p.Parse(line); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = p.Parse(line) }); n != 0 {
		t.Errorf("Parser.Parse allocates %v times per line, want 0", n)
	}
}

func BenchmarkParser(b *testing.B) {
	var p logline.Parser
	line := []byte("Oct  1 11:47:51 u86 postfix/qmgr[9572]: DBED828417: from=<macaco@monos.org>, size=890, nrcpt=2 (queue active)")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Parse(line)
	}
}

func TestParseTAI64NRange(t *testing.T) {
	for _, line := range []string{"@4000007000000000000000000 x: y", "@3fffffffffffffff00000000 x: y"} {
		if _, err := logline.Parse([]byte(line)); err != logline.ErrTimestamp {
			t.Errorf("Parse(%q) = %v, want ErrTimestamp", line, err)
		}
	}
}
