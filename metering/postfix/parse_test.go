package postfix_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/postfix"
)

// rec is a Record with strings, for readable diffs; nil byte fields are "".
type rec struct {
	Kind, QueueID                                      string
	Client, SASLMethod, SASLUsername, OrigQID, OrigCli string
	From                                               string
	NullFrom                                           bool
	UID, Size, Nrcpt                                   int64
	MessageID, To, OrigTo, Relay                       string
	Delay                                              time.Duration
	Delays, DSN, Status, Text, QueuedAs, NewQID        string
	Action                                             postfix.Action
	Stage, Proto, Helo                                 string
}

func flat(r postfix.Record) rec {
	return rec{
		Kind: r.Kind.String(), QueueID: string(r.QueueID), Client: string(r.Client),
		SASLMethod: string(r.SASLMethod), SASLUsername: string(r.SASLUsername),
		OrigQID: string(r.OrigQueueID), OrigCli: string(r.OrigClient), From: string(r.From),
		NullFrom: r.From != nil && len(r.From) == 0, UID: r.UID, Size: r.Size, Nrcpt: r.Nrcpt,
		MessageID: string(r.MessageID), To: string(r.To), OrigTo: string(r.OrigTo), Relay: string(r.Relay),
		Delay: r.Delay, Delays: string(r.Delays), DSN: string(r.DSN), Status: string(r.StatusWord),
		Text: string(r.Text), QueuedAs: string(r.QueuedAs), NewQID: string(r.NewQueueID),
		Action: r.Action, Stage: string(r.Stage), Proto: string(r.Proto), Helo: string(r.Helo),
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name, msg string
		want      rec
	}{
		{"smtpd client sasl", "DBED828417: client=unknown[192.168.9.1], sasl_method=PLAIN, sasl_username=macaco@monos.org",
			rec{Kind: "client", QueueID: "DBED828417", Client: "unknown[192.168.9.1]", SASLMethod: "PLAIN", SASLUsername: "macaco@monos.org"}},
		{"smtpd client reinjection", "3C4D5E6F70: client=localhost[127.0.0.1], orig_queue_id=2B3C4D5E6F, orig_client=mail.x.org[192.0.2.1]",
			rec{Kind: "client", QueueID: "3C4D5E6F70", Client: "localhost[127.0.0.1]", OrigQID: "2B3C4D5E6F", OrigCli: "mail.x.org[192.0.2.1]"}},
		{"long queue id", "44JCRG5tYPzCqt2: client=host[1.2.3.4]",
			rec{Kind: "client", QueueID: "44JCRG5tYPzCqt2", Client: "host[1.2.3.4]"}},
		{"pickup", "E9B4F420D5: uid=1001 from=<foi+request-117-c99ae4f3@localhost>",
			rec{Kind: "pickup", QueueID: "E9B4F420D5", UID: 1001, From: "foi+request-117-c99ae4f3@localhost"}},
		{"cleanup message-id", "B89A141FAD: message-id=<20110814104020.B89A141FAD@c60.iredmail.org>",
			rec{Kind: "message-id", QueueID: "B89A141FAD", MessageID: "20110814104020.B89A141FAD@c60.iredmail.org"}},
		{"cleanup message-id unbracketed", "B89A141FAD: message-id==?utf-8?q?x?=",
			rec{Kind: "message-id", QueueID: "B89A141FAD", MessageID: "=?utf-8?q?x?="}},
		{"qmgr queued", "DBED828417: from=<macaco@monos.org>, size=890, nrcpt=2 (queue active)",
			rec{Kind: "queued", QueueID: "DBED828417", From: "macaco@monos.org", Size: 890, Nrcpt: 2}},
		{"qmgr null sender", "5E6F708192: from=<>, size=3000, nrcpt=1 (queue active)",
			rec{Kind: "queued", QueueID: "5E6F708192", NullFrom: true, Size: 3000, Nrcpt: 1}},
		{"qmgr expired no space", "A323688C523:from=<foo@example.com>, status=expired, returned to sender",
			rec{Kind: "expired", QueueID: "A323688C523", From: "foo@example.com", Status: "expired"}},
		{"qmgr force-expired", "BACE842E73: from=<noreply@domain.com>, status=force-expired, returned to sender",
			rec{Kind: "expired", QueueID: "BACE842E73", From: "noreply@domain.com", Status: "force-expired"}},
		{"qmgr removed", "AAB4D259B1: removed", rec{Kind: "removed", QueueID: "AAB4D259B1"}},
		{"smtp sent queued as", "DBED828417: to=<jamor@dplanet.com>, relay=mail.dplanet.com[67.23.8.134]:25, delay=1.6, delays=0.17/0.04/0.88/0.48, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C1EBF731439)",
			rec{Kind: "delivery", QueueID: "DBED828417", To: "jamor@dplanet.com", Relay: "mail.dplanet.com[67.23.8.134]:25",
				Delay: 1600 * time.Millisecond, Delays: "0.17/0.04/0.88/0.48", DSN: "2.0.0", Status: "sent",
				Text: "250 2.0.0 Ok: queued as C1EBF731439", QueuedAs: "C1EBF731439"}},
		{"amavis hop", "2B3C4D5E6F: to=<d@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0.5/0/0/1.5, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4TwNdH5zwCz7fxV)",
			rec{Kind: "delivery", QueueID: "2B3C4D5E6F", To: "d@example.com", Relay: "127.0.0.1[127.0.0.1]:10024",
				Delay: 2 * time.Second, Delays: "0.5/0/0/1.5", DSN: "2.0.0", Status: "sent",
				Text: "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4TwNdH5zwCz7fxV", QueuedAs: "4TwNdH5zwCz7fxV"}},
		{"old postfix no delays dsn", "9634B16F7F7: to=<kdent@example.com>, relay=none, delay=46, status=deferred (connect to 216.150.150.131[216.150.150.131]: No route to host)",
			rec{Kind: "delivery", QueueID: "9634B16F7F7", To: "kdent@example.com", Relay: "none", Delay: 46 * time.Second,
				Status: "deferred", Text: "connect to 216.150.150.131[216.150.150.131]: No route to host"}},
		{"old local unbracketed", "1234ABCD: to=user@hostname.example.com, orig_to=root@localhost, relay=local, delay=0, status=sent (delivered to mailbox)",
			rec{Kind: "delivery", QueueID: "1234ABCD", To: "user@hostname.example.com", OrigTo: "root@localhost", Relay: "local",
				Status: "sent", Text: "delivered to mailbox"}},
		{"quoted local part", "C1840506CB8: to=<\"fred).flintstone\"@domain.tld>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)",
			rec{Kind: "delivery", QueueID: "C1840506CB8", To: "\"fred).flintstone\"@domain.tld", Relay: "virtual",
				Delay: 100 * time.Millisecond, Delays: "0/0/0/0.1", DSN: "2.0.0", Status: "sent", Text: "delivered to maildir"}},
		{"ipv6 relay conn_use tls", "ABCDEF1234: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25, conn_use=2, delay=0.5, delays=0/0/0.2/0.3, tls=TLSv1.3, dsn=2.0.0, status=sent (250 2.0.0 OK)",
			rec{Kind: "delivery", QueueID: "ABCDEF1234", To: "a@gmail.com", Relay: "gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25",
				Delay: 500 * time.Millisecond, Delays: "0/0/0.2/0.3", DSN: "2.0.0", Status: "sent", Text: "250 2.0.0 OK"}},
		{"orig_to and lmtp socket", "2BD192839B: to=<email1@example.com>, orig_to=<alias@example.com>, relay=host[private/dovecot-lmtp], delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 <email1@example.com> 5GjrDafYTFE7WAAABf1gKA Saved)",
			rec{Kind: "delivery", QueueID: "2BD192839B", To: "email1@example.com", OrigTo: "alias@example.com", Relay: "host[private/dovecot-lmtp]",
				Delay: 100 * time.Millisecond, Delays: "0/0/0/0.1", DSN: "2.0.0", Status: "sent", Text: "250 2.0.0 <email1@example.com> 5GjrDafYTFE7WAAABf1gKA Saved"}},
		{"trailing junk", "2298F5F619: to=<admin@corp.com>, relay=none, delay=89758, delays=89758/0.02/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mail.corp.com[1.1.1.1]:25: Connection timed out) 215",
			rec{Kind: "delivery", QueueID: "2298F5F619", To: "admin@corp.com", Relay: "none", Delay: 89758 * time.Second,
				Delays: "89758/0.02/0/0", DSN: "4.4.1", Status: "deferred",
				Text: "delivery temporarily suspended: connect to mail.corp.com[1.1.1.1]:25: Connection timed out"}},
		{"nested parens", "AB12CD34EF: to=<x@y.z>, relay=y.z[1.2.3.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host y.z[1.2.3.4] said: 550 5.1.1 <x@y.z>: unknown (in reply to RCPT TO command))",
			rec{Kind: "delivery", QueueID: "AB12CD34EF", To: "x@y.z", Relay: "y.z[1.2.3.4]:25", Delay: time.Second,
				Delays: "0/0/0/1", DSN: "5.1.1", Status: "bounced", Text: "host y.z[1.2.3.4] said: 550 5.1.1 <x@y.z>: unknown (in reply to RCPT TO command)"}},
		{"verify probe", "B2C3D4E5F6: to=<v@example.com>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=deliverable (delivers to maildir)",
			rec{Kind: "delivery", QueueID: "B2C3D4E5F6", To: "v@example.com", Relay: "virtual", Delay: 100 * time.Millisecond,
				Delays: "0/0/0/0.1", DSN: "2.0.0", Status: "deliverable", Text: "delivers to maildir"}},
		{"bounce notification", "3742D3602065: sender non-delivery notification: 4301E3602066",
			rec{Kind: "notification", QueueID: "3742D3602065", NewQID: "4301E3602066", Text: "sender non-delivery"}},
		{"smtpd reject", "NOQUEUE: reject: RCPT from 1-2-3-4-example.com[1.2.3.4]: 554 5.7.1 <smtp@example.com>: Relay access denied; from=<john@example.com> to=<smtp@example.org> proto=SMTP helo=<198.51.100.17>",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionReject, Stage: "RCPT", Client: "1-2-3-4-example.com[1.2.3.4]",
				Text: "554 5.7.1 <smtp@example.com>: Relay access denied", From: "john@example.com", To: "smtp@example.org", Proto: "SMTP", Helo: "198.51.100.17"}},
		{"reject with sasl_username", "NOQUEUE: reject: RCPT from h[1.2.3.4]: 554 5.7.1 <x@y>: Recipient address rejected: Access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h> sasl_username=<a@b>",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionReject, Stage: "RCPT", Client: "h[1.2.3.4]",
				Text: "554 5.7.1 <x@y>: Recipient address rejected: Access denied", From: "a@b", To: "x@y", Proto: "ESMTP", Helo: "h", SASLUsername: "a@b"}},
		{"postscreen reject commas", "NOQUEUE: reject: RCPT from [123.45.67.89]:12345: 550 5.7.1 Service unavailable; client [123.45.67.89] blocked using example.com; from=<user@example.com>, to=<goodguy@example.com>, proto=ESMTP, helo=<badguy.example.com>",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionReject, Stage: "RCPT", Client: "[123.45.67.89]:12345",
				Text: "550 5.7.1 Service unavailable; client [123.45.67.89] blocked using example.com", From: "user@example.com", To: "goodguy@example.com", Proto: "ESMTP", Helo: "badguy.example.com"}},
		{"milter-reject virus", "0A618260345: milter-reject: END-OF-MESSAGE from unknown[192.168.5.100]: 5.7.1 Blocked by ClamAV - FOUND VIRUS: Eicar-Test-Signature; from=<nuxwin@domain.tld> to=<nuxwin@domain.tld> proto=ESMTP helo=<[192.168.5.100]>",
			rec{Kind: "reject", QueueID: "0A618260345", Action: postfix.ActionMilterReject, Stage: "END-OF-MESSAGE", Client: "unknown[192.168.5.100]",
				Text: "5.7.1 Blocked by ClamAV - FOUND VIRUS: Eicar-Test-Signature", From: "nuxwin@domain.tld", To: "nuxwin@domain.tld", Proto: "ESMTP", Helo: "[192.168.5.100]"}},
		{"reject_warning", "NOQUEUE: reject_warning: RCPT from h[1.2.3.4]: 450 4.7.1 <g@e.com>: Greylisted; from=<s@b.net> to=<g@e.com> proto=ESMTP helo=<b.net>",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionRejectWarning, Stage: "RCPT", Client: "h[1.2.3.4]",
				Text: "450 4.7.1 <g@e.com>: Greylisted", From: "s@b.net", To: "g@e.com", Proto: "ESMTP", Helo: "b.net"}},
		{"header hold", "4104E3D: hold: header Subject: hello from h.example.com[10.0.0.1]; from=<e@example.com> to=<t@sample.net> proto=SMTP helo=<e>: held for review",
			rec{Kind: "reject", QueueID: "4104E3D", Action: postfix.ActionHold, Stage: "header", Client: "h.example.com[10.0.0.1]",
				Text: "held for review", From: "e@example.com", To: "t@sample.net", Proto: "SMTP", Helo: "e"}},
		{"proxy-accept", "NOQUEUE: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 9BE3547AFE; from=<s@example.com> to=<r@example.com> proto=ESMTP helo=<c.example.com>",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionProxyAccept, Stage: "END-OF-MESSAGE",
				Text: "250 2.0.0 Ok: queued as 9BE3547AFE", QueuedAs: "9BE3547AFE", From: "s@example.com", To: "r@example.com", Proto: "ESMTP", Helo: "c.example.com"}},
		{"postscreen too many connections", "NOQUEUE: reject: CONNECT from [123.45.67.89]:12345: too many connections",
			rec{Kind: "reject", QueueID: "NOQUEUE", Action: postfix.ActionReject, Stage: "CONNECT", Client: "[123.45.67.89]:12345", Text: "too many connections"}},
		{"odd from with space", "ABCDE12345: from=<FROM: SOME USER@example.com>, size=10, nrcpt=1 (queue active)",
			rec{Kind: "queued", QueueID: "ABCDE12345", From: "FROM: SOME USER@example.com", Size: 10, Nrcpt: 1}},
		{"connect", "connect from unknown[192.168.9.1]", rec{Kind: "connect", Client: "unknown[192.168.9.1]"}},
		{"disconnect", "disconnect from unknown[192.0.2.1] ehlo=2 starttls=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=5/7",
			rec{Kind: "disconnect", Client: "unknown[192.0.2.1]", Text: " ehlo=2 starttls=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=5/7"}},
		{"lost connection after data", "lost connection after DATA (7774180 bytes) from unknown[72.13.58.7]",
			rec{Kind: "lost-connection", Stage: "DATA", Client: "unknown[72.13.58.7]", Text: "lost connection after DATA (7774180 bytes) from unknown[72.13.58.7]"}},
		{"postscreen pass", "PASS NEW [123.45.67.89]:12345", rec{Kind: "postscreen", Text: "PASS NEW [123.45.67.89]:12345"}},
		{"postscreen pregreet", `PREGREET 14 after 0.08 from [1.2.3.4]:5: EHLO ylmf-pc\r\n`, rec{Kind: "postscreen", Text: `PREGREET 14 after 0.08 from [1.2.3.4]:5: EHLO ylmf-pc\r\n`}},
		{"warning", "warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure",
			rec{Kind: "warning", Text: "unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure"}},
		{"statistics is not a queue id", "statistics: max cache size 1 at Oct 26 18:13:50", rec{Kind: "info", Text: "statistics: max cache size 1 at Oct 26 18:13:50"}},
		{"smtp host said", "40197AA: host mx[1.2.3.4] said: 450 4.2.0 greylisted (in reply to RCPT TO command)",
			rec{Kind: "smtp-reply", QueueID: "40197AA", Text: "host mx[1.2.3.4] said: 450 4.2.0 greylisted (in reply to RCPT TO command)"}},
		{"tls chatter", "Anonymous TLS connection established from unknown[192.168.9.1]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)",
			rec{Kind: "info", Text: "Anonymous TLS connection established from unknown[192.168.9.1]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := postfix.ParseLine([]byte(tt.msg))
			if err != nil {
				t.Fatalf("ParseLine(%q): %v", tt.msg, err)
			}
			if diff := cmp.Diff(tt.want, flat(r)); diff != "" {
				t.Errorf("ParseLine(%q) (-want +got):\n%s", tt.msg, diff)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	tests := []struct {
		name, msg string
		want      error
	}{
		{"empty", "", postfix.ErrEmpty},
		{"junk", "foo", postfix.ErrUnrecognized},
		{"delivery without to=", "123456789AB: user@example.com, relay=example.com[1.2.3.4]:25, delay=2, status=deferred (x)", postfix.ErrQueueLine},
		{"delivery without status", "123456789AB: to=<a@b>, relay=none, delay=2", postfix.ErrDelivery},
		{"qmgr without size", "123456789AB: from=<a@b>, nrcpt=1", postfix.ErrQueued},
		{"empty client", "123456789AB: client=", postfix.ErrClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := postfix.ParseLine([]byte(tt.msg))
			if err != tt.want {
				t.Errorf("ParseLine(%q) error %v, want %v", tt.msg, err, tt.want)
			}
			if r.Kind != postfix.KindUnknown {
				t.Errorf("ParseLine(%q) kind %v on error, want unknown", tt.msg, r.Kind)
			}
		})
	}
}

func TestParseRelay(t *testing.T) {
	tests := []struct {
		relay    string
		host     string
		addr     string
		port     int
		loopback bool
	}{
		{"mail.dplanet.com[67.23.8.134]:25", "mail.dplanet.com", "67.23.8.134", 25, false},
		{"127.0.0.1[127.0.0.1]:10024", "127.0.0.1", "127.0.0.1", 10024, true},
		{"gmail-smtp-in.l.google.com[2607:f8b0:400e:c04::1b]:25", "gmail-smtp-in.l.google.com", "2607:f8b0:400e:c04::1b", 25, false},
		{"localhost[::1]:10024", "localhost", "::1", 10024, true},
		{"host[private/dovecot-lmtp]", "host", "private/dovecot-lmtp", 0, true},
		{"local", "local", "", 0, false},
		{"none", "none", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.relay, func(t *testing.T) {
			r := postfix.ParseRelay([]byte(tt.relay))
			if string(r.Host) != tt.host || string(r.Addr) != tt.addr || r.Port != tt.port || r.Loopback() != tt.loopback {
				t.Errorf("ParseRelay(%q) = %q %q %d loopback=%v", tt.relay, r.Host, r.Addr, r.Port, r.Loopback())
			}
		})
	}
}

func TestParseLineAllocs(t *testing.T) {
	msg := []byte("DBED828417: to=<jamor@dplanet.com>, relay=mail.dplanet.com[67.23.8.134]:25, delay=1.6, delays=0.17/0.04/0.88/0.48, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C1EBF731439)")
	if n := testing.AllocsPerRun(100, func() { _, _ = postfix.ParseLine(msg) }); n != 0 {
		t.Errorf("ParseLine allocates %v times, want 0", n)
	}
}
