package exim_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/testenv"
	"github.com/mailmeter/mailmeter/metering/exim"
)

// project renders the non-empty fields of r as strings, for table tests.
func project(r exim.Record) map[string]string {
	m := map[string]string{"Kind": r.Kind.String()}
	put := func(k string, v []byte) {
		if v != nil {
			m[k] = string(v)
		}
	}
	if !r.Time.IsZero() {
		m["Time"] = r.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !r.HasYear {
		m["HasYear"] = "false"
	}
	if r.HasZone {
		m["HasZone"] = "true"
	}
	if r.PID != 0 {
		m["PID"] = strconv.Itoa(r.PID)
	}
	put("ID", r.ID)
	if r.FakeReject {
		m["FakeReject"] = "true"
	}
	put("Address", r.Address)
	put("Original", r.Original)
	put("Parent", r.Parent)
	if r.Size >= 0 {
		m["Size"] = strconv.FormatInt(r.Size, 10)
	}
	if r.HasAuth {
		m["HasAuth"] = "true"
	}
	put("AuthName", r.AuthName)
	put("AuthID", r.AuthID)
	put("User", r.User)
	put("Protocol", r.Protocol)
	put("ReturnPath", r.ReturnPath)
	put("Sender", r.Sender)
	put("Host", r.Host)
	put("HostName", r.HostName)
	put("HostIP", r.HostIP)
	if r.HostPort != 0 {
		m["HostPort"] = strconv.Itoa(r.HostPort)
	}
	if r.HostReused {
		m["HostReused"] = "true"
	}
	put("Interface", r.Interface)
	put("Router", r.Router)
	put("Transport", r.Transport)
	put("Subject", r.Subject)
	put("Confirmation", r.Confirmation)
	put("QueuedAs", r.QueuedAs)
	put("MessageID", r.MessageID)
	for k, d := range map[string]time.Duration{"QT": r.QueueTime, "DT": r.DeliveryTime, "RT": r.ReceiveTime, "D": r.Duration} {
		if d != exim.NoDuration {
			m[k] = d.String()
		}
	}
	put("Recipients", r.Recipients)
	put("From", r.From)
	if r.Temporary {
		m["Temporary"] = "true"
	}
	put("Reason", r.Reason)
	return m
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want map[string]string // every non-empty field but Text
	}{
		{
			name: "arrival alaveteli",
			line: `2016-06-03 17:07:57 [28168] 1b8rdd-0007KK-8q <= authority@example.com H=localhost [127.0.0.1]:39362 I=[127.0.0.1]:25 P=esmtp S=99310 id=fd14e1d536e94486b1de551709543fc3@PDC5EXC108.example.com T="Freedom of Information request - Some information please" from <authority@example.com> for localhost`,
			want: map[string]string{"Kind": "arrival", "Time": "2016-06-03T17:07:57.000Z", "PID": "28168",
				"ID": "1b8rdd-0007KK-8q", "Address": "authority@example.com", "Host": "localhost [127.0.0.1]:39362",
				"HostName": "localhost", "HostIP": "127.0.0.1", "HostPort": "39362", "Interface": "[127.0.0.1]:25",
				"Protocol": "esmtp", "Size": "99310", "MessageID": "fd14e1d536e94486b1de551709543fc3@PDC5EXC108.example.com",
				"Subject": "Freedom of Information request - Some information please", "From": "authority@example.com",
				"Recipients": "localhost"},
		},
		{
			name: "arrival authenticated logstash",
			line: `2014-08-10 11:18:35 [28107] 1gsu1C-003dCu-Hb <= aaron@domain.com H=localhost (10.5.40.204) [127.0.0.1]:39753 I=[127.0.0.1]:25 P=esmtpa A=dovecot_plain:aaron@domain.com S=4315 M8S=0 id=d2b648f00f1a1b0813c483d552778dc6@domain.com T="what's up?!? ;-)" from <aaron@domain.com> for aaron+forward@domain.com`,
			want: map[string]string{"Kind": "arrival", "Time": "2014-08-10T11:18:35.000Z", "PID": "28107",
				"ID": "1gsu1C-003dCu-Hb", "Address": "aaron@domain.com", "Host": "localhost (10.5.40.204) [127.0.0.1]:39753",
				"HostName": "localhost", "HostIP": "127.0.0.1", "HostPort": "39753", "Interface": "[127.0.0.1]:25",
				"Protocol": "esmtpa", "HasAuth": "true", "AuthName": "dovecot_plain", "AuthID": "aaron@domain.com",
				"Size": "4315", "MessageID": "d2b648f00f1a1b0813c483d552778dc6@domain.com", "Subject": "what's up?!? ;-)",
				"From": "aaron@domain.com", "Recipients": "aaron+forward@domain.com"},
		},
		{
			name: "arrival fakereject",
			line: `2026-11-02 09:00:00 1tQ1aa-000A01-Q1 (= s@x.org H=mx [198.51.100.1] P=esmtp S=42`,
			want: map[string]string{"Kind": "arrival", "FakeReject": "true", "Time": "2026-11-02T09:00:00.000Z",
				"ID": "1tQ1aa-000A01-Q1", "Address": "s@x.org", "Host": "mx [198.51.100.1]", "HostName": "mx",
				"HostIP": "198.51.100.1", "Protocol": "esmtp", "Size": "42"},
		},
		{
			name: "arrival bounce with parent id",
			line: `2020-06-19 04:54:02 1jmFas-0004f6-EB <= <> R=1jmFYj-00039V-QX U=Debian-exim P=local S=8656`,
			want: map[string]string{"Kind": "arrival", "Time": "2020-06-19T04:54:02.000Z", "ID": "1jmFas-0004f6-EB",
				"Address": "", "Router": "1jmFYj-00039V-QX", "User": "Debian-exim", "Protocol": "local", "Size": "8656"},
		},
		{
			name: "arrival subject with escaped quotes",
			line: `2020-02-11 17:09:46 1j1Z2g-00Faoy-Uh <= example@strawberry.active-ns.com U=example P=local T="[Examples Galore] Please moderate: \"Hello world!\"" for admin@example.net`,
			want: map[string]string{"Kind": "arrival", "Time": "2020-02-11T17:09:46.000Z", "ID": "1j1Z2g-00Faoy-Uh",
				"Address": "example@strawberry.active-ns.com", "User": "example", "Protocol": "local",
				"Subject": `[Examples Galore] Please moderate: \"Hello world!\"`, "Recipients": "admin@example.net"},
		},
		{
			name: "arrival long id and three-part A=",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= CALLER@myhost.test.ex H=hostname [5.6.7.8] U=ident P=protocol A=authname:authid:authsender S=sss`,
			want: map[string]string{"Kind": "arrival", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": "CALLER@myhost.test.ex", "Host": "hostname [5.6.7.8]", "HostName": "hostname", "HostIP": "5.6.7.8",
				"User": "ident", "Protocol": "protocol", "HasAuth": "true", "AuthName": "authname", "AuthID": "authid"},
		},
		{
			name: "arrival quoted recipient",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 <= <> H=(test) [127.0.0.1] P=esmtp S=sss for "name with spaces"@test.ex`,
			want: map[string]string{"Kind": "arrival", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": "", "Host": "(test) [127.0.0.1]", "HostIP": "127.0.0.1", "Protocol": "esmtp",
				"Recipients": `"name with spaces"@test.ex`},
		},
		{
			name: "delivery remote",
			line: `2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo.corp R=dnslookup T=remote_smtp H=mail.foo.corp [1.1.1.1] C="250 2.0.0 Ok: queued"`,
			want: map[string]string{"Kind": "delivery", "Time": "2020-06-19T06:26:02.000Z", "ID": "1jmH1s-000AVD-5t",
				"Address": "dave@foo.corp", "Router": "dnslookup", "Transport": "remote_smtp", "Host": "mail.foo.corp [1.1.1.1]",
				"HostName": "mail.foo.corp", "HostIP": "1.1.1.1", "Confirmation": "250 2.0.0 Ok: queued"},
		},
		{
			name: "additional with sender, return path, size and times",
			line: `2016-06-03 14:22:11 [31522] 1b8p3C-0008CN-Vl -> authority@example.com <Authority@example.com> F=<request-123-abc987@example.net> P=<request-123-abc987@example.net> R=dnslookup T=remote_smtp S=5745 H=cluster5.eu.messagelabs.com [85.158.138.179]:25 X=TLS1.2:DHE_RSA_AES_128_CBC_SHA1:128 CV=no DN="C=US,ST=California,L=Mountain View,O=Symantec Corporation,OU=Symantec.cloud,CN=mail169.messagelabs.com" C="250 ok 1464960131 qp 11694 server-9.tower-169.messagelabs.com!1464960131!41697448!1" QT=1s DT=0s`,
			want: map[string]string{"Kind": "additional", "Time": "2016-06-03T14:22:11.000Z", "PID": "31522",
				"ID": "1b8p3C-0008CN-Vl", "Address": "authority@example.com", "Original": "Authority@example.com",
				"Sender": "request-123-abc987@example.net", "ReturnPath": "request-123-abc987@example.net",
				"Router": "dnslookup", "Transport": "remote_smtp", "Size": "5745",
				"Host": "cluster5.eu.messagelabs.com [85.158.138.179]:25", "HostName": "cluster5.eu.messagelabs.com",
				"HostIP": "85.158.138.179", "HostPort": "25",
				"Confirmation": "250 ok 1464960131 qp 11694 server-9.tower-169.messagelabs.com!1464960131!41697448!1",
				"QT":           "1s", "DT": "0s"},
		},
		{
			name: "delivery local part",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 => CALLER <CALLER@the.local.host.name> R=localuser T=local_delivery`,
			want: map[string]string{"Kind": "delivery", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": "CALLER", "Original": "CALLER@the.local.host.name", "Router": "localuser", "Transport": "local_delivery"},
		},
		{
			name: "delivery pipe",
			line: `2026-11-02 11:00:02 1tQ1nn-000N14-QE => |/usr/bin/procmail -d carol <carol@example.com> R=procmail T=procmail_pipe`,
			want: map[string]string{"Kind": "delivery", "Time": "2026-11-02T11:00:02.000Z", "ID": "1tQ1nn-000N14-QE",
				"Address": "|/usr/bin/procmail -d carol", "Original": "carol@example.com", "Router": "procmail", "Transport": "procmail_pipe"},
		},
		{
			name: "delivery file with intermediate alias",
			line: `2026-11-02 11:00:02 1tQ1nn-000N14-QE => /home/bob/mbox <bob@example.com> (postmaster@example.com) R=userforward T=address_file`,
			want: map[string]string{"Kind": "delivery", "Time": "2026-11-02T11:00:02.000Z", "ID": "1tQ1nn-000N14-QE",
				"Address": "/home/bob/mbox", "Original": "bob@example.com", "Parent": "postmaster@example.com",
				"Router": "userforward", "Transport": "address_file"},
		},
		{
			name: "delivery blackhole",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 => :blackhole: <blackhole@the.local.host.name> R=system_aliases`,
			want: map[string]string{"Kind": "delivery", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": ":blackhole:", "Original": "blackhole@the.local.host.name", "Router": "system_aliases"},
		},
		{
			name: "delivery to a filter, Exim id in the reply, reused connection",
			line: `1999-03-02 09:44:33 10HmaY-000000005vi-0000 => abcd@domain.com R=all T=smtp H=127.0.0.1 [127.0.0.1]:PORT_S* I=[127.0.0.1]:10001 C="250 OK id=10HmbC-000000005vi-0000"`,
			want: map[string]string{"Kind": "delivery", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaY-000000005vi-0000",
				"Address": "abcd@domain.com", "Router": "all", "Transport": "smtp", "Host": "127.0.0.1 [127.0.0.1]:PORT_S*",
				"HostName": "127.0.0.1", "HostIP": "127.0.0.1", "HostReused": "true", "Interface": "[127.0.0.1]:10001",
				"Confirmation": "250 OK id=10HmbC-000000005vi-0000", "QueuedAs": "10HmbC-000000005vi-0000"},
		},
		{
			name: "suppressed",
			line: `1999-03-02 09:44:33 10HmaY-000000005vi-0000 *> accept <accept@y> R=accept T=appendfile`,
			want: map[string]string{"Kind": "suppressed", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaY-000000005vi-0000",
				"Address": "accept", "Original": "accept@y", "Router": "accept", "Transport": "appendfile"},
		},
		{
			name: "cutthrough",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 >> userx@domain.com P=<CALLER@myhost.test.ex> R=all T=smtp H=127.0.0.1 [127.0.0.1] C="250 OK"`,
			want: map[string]string{"Kind": "cutthrough", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": "userx@domain.com", "ReturnPath": "CALLER@myhost.test.ex", "Router": "all", "Transport": "smtp",
				"Host": "127.0.0.1 [127.0.0.1]", "HostName": "127.0.0.1", "HostIP": "127.0.0.1", "Confirmation": "250 OK"},
		},
		{
			name: "failure address colon",
			line: `2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp: retry timeout exceeded`,
			want: map[string]string{"Kind": "failure", "Time": "2020-06-19T04:54:02.000Z", "ID": "1jmFYj-00039V-QX",
				"Address": "bob@null.corp", "Reason": "retry timeout exceeded"},
		},
		{
			name: "failure host colon with pid",
			line: `2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp": SMTP error from remote mail server after end of data: 554 5.2.0 Recipient Mailbox Full [504]`,
			want: map[string]string{"Kind": "failure", "Time": "2020-06-19T10:32:57.000Z", "PID": "789", "ID": "1jmKso-0009d4-Uf",
				"Address": "molly@zee.corp", "Router": "dnslookup", "Transport": "remote_smtp", "Host": "mail.zee.corp [3.3.3.3]",
				"HostName": "mail.zee.corp", "HostIP": "3.3.3.3",
				"Reason": "SMTP error from remote mail server after end of data: 554 5.2.0 Recipient Mailbox Full [504]"},
		},
		{
			name: "failure spaced colon",
			line: `1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** userx@mxt1.test.ex R=others : lowest numbered MX record points to local host`,
			want: map[string]string{"Kind": "failure", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmaX-000000005vi-0000",
				"Address": "userx@mxt1.test.ex", "Router": "others", "Reason": "lowest numbered MX record points to local host"},
		},
		{
			name: "deferral",
			line: `2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.corp R=dnslookup T=remote_smtp defer (110): Connection timed out`,
			want: map[string]string{"Kind": "deferral", "Time": "2020-06-19T04:54:02.000Z", "ID": "1jmFYj-00039V-QX",
				"Address": "bob@null.corp", "Router": "dnslookup", "Transport": "remote_smtp", "Reason": "Connection timed out"},
		},
		{
			name: "deferral with host after errno, malformed bracket",
			line: `2020-06-24 00:20:20 1raAV4-009jr4-9x == jack@test.corp R=dnslookup T=remote_smtp defer (-44) H=(relay.test.corp) [4.4.4.4: SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 Recipient not available`,
			want: map[string]string{"Kind": "deferral", "Time": "2020-06-24T00:20:20.000Z", "ID": "1raAV4-009jr4-9x",
				"Address": "jack@test.corp", "Router": "dnslookup", "Transport": "remote_smtp", "Host": "(relay.test.corp) [4.4.4.4",
				"HostIP": "4.4.4.4", "Reason": "SMTP error from remote mail server after RCPT TO:<jack@test.corp>: 450 4.7.1 Recipient not available"},
		},
		{
			name: "deferral quota",
			line: `1999-03-02 09:44:33 10HmbF-000000005vi-0000 == usery@myhost.test.ex R=usery T=appendfile2 defer (-22): mailbox is full (MTA-imposed quota exceeded while writing to TESTSUITE/test-mail/usery)`,
			want: map[string]string{"Kind": "deferral", "Time": "1999-03-02T09:44:33.000Z", "ID": "10HmbF-000000005vi-0000",
				"Address": "usery@myhost.test.ex", "Router": "usery", "Transport": "appendfile2",
				"Reason": "mailbox is full (MTA-imposed quota exceeded while writing to TESTSUITE/test-mail/usery)"},
		},
		{
			name: "completed",
			line: `2020-06-19 04:54:02 [456] 1jmFYj-00039V-QX Completed`,
			want: map[string]string{"Kind": "completed", "Time": "2020-06-19T04:54:02.000Z", "PID": "456", "ID": "1jmFYj-00039V-QX"},
		},
		{
			name: "completed with queue time",
			line: `2026-11-02 09:20:01 1tQ1dd-000D04-Q4 Completed QT=3m45s`,
			want: map[string]string{"Kind": "completed", "Time": "2026-11-02T09:20:01.000Z", "ID": "1tQ1dd-000D04-Q4", "QT": "3m45s"},
		},
		{
			name: "completed munged queue time, milliseconds",
			line: `2017-07-30 18:51:05.712 10HmaZ-000000005vi-0000 Completed QT=q.qqqs`,
			want: map[string]string{"Kind": "completed", "Time": "2017-07-30T18:51:05.712Z", "ID": "10HmaZ-000000005vi-0000"},
		},
		{
			name: "reject RCPT",
			line: `2022-06-29 15:33:46 H=test.com [1.2.3.4]:53343 F=<info@test.com> rejected RCPT <toto@toto.com>: "JunkMail rejected - test.com [1.2.3.4]:53343 is in an RBL"`,
			want: map[string]string{"Kind": "reject-rcpt", "Time": "2022-06-29T15:33:46.000Z", "Host": "test.com [1.2.3.4]:53343",
				"HostName": "test.com", "HostIP": "1.2.3.4", "HostPort": "53343", "Sender": "info@test.com", "Address": "toto@toto.com",
				"Reason": `"JunkMail rejected - test.com [1.2.3.4]:53343 is in an RBL"`},
		},
		{
			name: "reject RCPT authenticated",
			line: `1999-03-02 09:44:33 H=(rhu.barb) [10.0.0.0] U=CALLER F=<userx@test.ex> A=plain:userx rejected RCPT <x@y>: Unrouteable address`,
			want: map[string]string{"Kind": "reject-rcpt", "Time": "1999-03-02T09:44:33.000Z", "Host": "(rhu.barb) [10.0.0.0]",
				"HostIP": "10.0.0.0", "User": "CALLER", "Sender": "userx@test.ex", "HasAuth": "true", "AuthName": "plain",
				"AuthID": "userx", "Address": "x@y", "Reason": "Unrouteable address"},
		},
		{
			name: "reject RCPT temporarily",
			line: `1999-03-02 09:44:33 H=the.local.host.name (test.ex) [ip4.ip4.ip4.ip4] X=TLS1.x:ke-RSA-AES256-SHAnnn:xxx F=<CALLER@test.ex> temporarily rejected RCPT <fred@test.net>`,
			want: map[string]string{"Kind": "reject-rcpt", "Time": "1999-03-02T09:44:33.000Z", "Host": "the.local.host.name (test.ex) [ip4.ip4.ip4.ip4]",
				"HostName": "the.local.host.name", "HostIP": "ip4.ip4.ip4.ip4", "Sender": "CALLER@test.ex", "Temporary": "true",
				"Address": "fred@test.net"},
		},
		{
			name: "reject RCPT unbracketed",
			line: `2013-06-15 11:19:33 [2249] H=([2.181.148.95]) [2.181.148.95]:52391 I=[1.2.3.4]:25 F=fantasizesg4@google.com rejected RCPT some@email.com: rejected found in dnsbl zen.spamhaus.org`,
			want: map[string]string{"Kind": "reject-rcpt", "Time": "2013-06-15T11:19:33.000Z", "PID": "2249",
				"Host": "([2.181.148.95]) [2.181.148.95]:52391", "HostIP": "2.181.148.95", "HostPort": "52391",
				"Interface": "[1.2.3.4]:25", "Sender": "fantasizesg4@google.com", "Address": "some@email.com",
				"Reason": "rejected found in dnsbl zen.spamhaus.org"},
		},
		{
			name: "reject after DATA",
			line: `2013-06-15 11:20:36 [2516] 1Unmew-0000ea-SE H=egeftech.static.otenet.gr [83.235.177.148]:32706 I=[1.2.3.4]:25 F=auguriesvbd40@google.com rejected after DATA: This message contains a virus (Sanesecurity.Junk.39934.UNOFFICIAL).`,
			want: map[string]string{"Kind": "reject-data", "Time": "2013-06-15T11:20:36.000Z", "PID": "2516", "ID": "1Unmew-0000ea-SE",
				"Host": "egeftech.static.otenet.gr [83.235.177.148]:32706", "HostName": "egeftech.static.otenet.gr",
				"HostIP": "83.235.177.148", "HostPort": "32706", "Interface": "[1.2.3.4]:25", "Sender": "auguriesvbd40@google.com",
				"Reason": "This message contains a virus (Sanesecurity.Junk.39934.UNOFFICIAL)."},
		},
		{
			name: "reject MAIL FROM",
			line: `1999-03-02 09:44:33 rejected MAIL FROM:<userx@test.ex> U=CALLER: message too big: size=1000000000 max=100`,
			want: map[string]string{"Kind": "reject-mail", "Time": "1999-03-02T09:44:33.000Z", "Address": "userx@test.ex",
				"User": "CALLER", "Reason": "message too big: size=1000000000 max=100"},
		},
		{
			name: "reject by local_scan",
			line: `2004-01-18 07:15:35 1Ai79e-0000Dq-8i F=uzwltcmwto24@melissacam.biz H=lsanca1.genuity.net [4.47.28.40] P=smtp rejected by local_scan(): Rejected: hits=7.5`,
			want: map[string]string{"Kind": "reject", "Time": "2004-01-18T07:15:35.000Z", "ID": "1Ai79e-0000Dq-8i",
				"Sender": "uzwltcmwto24@melissacam.biz", "Host": "lsanca1.genuity.net [4.47.28.40]", "HostName": "lsanca1.genuity.net",
				"HostIP": "4.47.28.40", "Protocol": "smtp", "Reason": "by local_scan(): Rejected: hits=7.5"},
		},
		{
			name: "connection with duration",
			line: `2016-04-01 11:08:40 [18643] no MAIL in SMTP connection from host.example.com (SERVER) [192.0.2.2]:1418 I=[172.89.0.6]:25 D=2m42s C=QUIT`,
			want: map[string]string{"Kind": "connection", "Time": "2016-04-01T11:08:40.000Z", "PID": "18643", "D": "2m42s",
				"Confirmation": "QUIT"},
		},
		{
			name: "lookup",
			line: `2017-12-03 08:32:00 no host name found for IP address 192.0.2.8`,
			want: map[string]string{"Kind": "lookup", "Time": "2017-12-03T08:32:00.000Z"},
		},
		{
			name: "authenticator failure",
			line: `2017-04-23 22:45:59 fixed_login authenticator failed for bad.host.example.com [192.0.2.2]:54412 I=[172.89.0.6]:587: 535 Incorrect authentication data (set_id=user@example.com)`,
			want: map[string]string{"Kind": "auth-failure", "Time": "2017-04-23T22:45:59.000Z", "AuthName": "fixed_login",
				"AuthID": "user@example.com", "Host": "bad.host.example.com [192.0.2.2]:54412", "HostName": "bad.host.example.com",
				"HostIP": "192.0.2.2", "HostPort": "54412", "Reason": "535 Incorrect authentication data (set_id=user@example.com)"},
		},
		{
			name: "sa-exim",
			line: `2013-12-29 15:34:12 1VxHRO-000NiI-Ly SA: Action: silently tossed message: score=31.0 required=5.0 trigger=30.0 (scanned in 6/6 secs | Message-Id: etPan.09bd0c40.c3d5f675.fdf7@server.local). From <Flossiedpd@jazztel.es> (host=72.45.76.188.dynamic.jazztel.es [188.76.45.72]) for me@my.com`,
			want: map[string]string{"Kind": "spam", "Time": "2013-12-29T15:34:12.000Z", "ID": "1VxHRO-000NiI-Ly",
				"Reason": "silently tossed message", "From": "Flossiedpd@jazztel.es", "Recipients": "me@my.com"},
		},
		{
			name: "zone",
			line: `2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf Completed`,
			want: map[string]string{"Kind": "completed", "Time": "2020-06-19T23:32:57.000Z", "HasZone": "true", "PID": "789",
				"ID": "1jmKso-0009d4-Uf"},
		},
		{
			name: "negative zone",
			line: `2020-06-20 04:32:57 -0200 1jmKsr-00040h-1G Completed`,
			want: map[string]string{"Kind": "completed", "Time": "2020-06-20T06:32:57.000Z", "HasZone": "true", "ID": "1jmKsr-00040h-1G"},
		},
		{
			name: "milliseconds",
			line: `2023-05-30 06:10:13.345 login authenticator failed for millis.example.org [192.0.2.12]:5432: 535 Incorrect authentication data (set_id=user)`,
			want: map[string]string{"Kind": "auth-failure", "Time": "2023-05-30T06:10:13.345Z", "AuthName": "login", "AuthID": "user",
				"Host": "millis.example.org [192.0.2.12]:5432", "HostName": "millis.example.org", "HostIP": "192.0.2.12",
				"HostPort": "5432", "Reason": "535 Incorrect authentication data (set_id=user)"},
		},
		{
			name: "syslog with Exim stamp inside",
			line: `Apr 28 15:53:37 server exim[12105]: 2016-04-28 15:53:37 [12105] 1avnJx-00039F-Hs Completed`,
			want: map[string]string{"Kind": "completed", "Time": "2016-04-28T15:53:37.000Z", "PID": "12105", "ID": "1avnJx-00039F-Hs"},
		},
		{
			name: "syslog without Exim stamp",
			line: `Jun 29 14:34:58 server exim[1234]: H=imfo.test.biz [1.2.3.4]:35328 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no F=<jack@test.biz> rejected RCPT <sales@toto.com.au>: No Such User Here`,
			want: map[string]string{"Kind": "reject-rcpt", "Time": "0000-06-29T14:34:58.000Z", "HasYear": "false", "PID": "1234",
				"Host": "imfo.test.biz [1.2.3.4]:35328", "HostName": "imfo.test.biz", "HostIP": "1.2.3.4", "HostPort": "35328",
				"Sender": "jack@test.biz", "Address": "sales@toto.com.au", "Reason": "No Such User Here"},
		},
		{
			name: "journal",
			line: `mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server authenticator failed for ([192.0.2.17]) [192.0.2.27]: 535 Incorrect authentication data`,
			want: map[string]string{"Kind": "auth-failure", "Time": "2021-07-17T23:20:49.000Z", "PID": "3751842", "AuthName": "plain_server",
				"Host": "([192.0.2.17]) [192.0.2.27]", "HostIP": "192.0.2.27", "Reason": "535 Incorrect authentication data"},
		},
		{
			name: "ISO stamp then syslog tag",
			line: `2016-04-01 11:08:00 info exim[8003]: [8003] SMTP protocol error in "AUTH LOGIN" H=(User) [192.0.2.29]:4816 I=[192.0.2.1]:25 Ci=8003 LOGIN authentication mechanism not supported`,
			want: map[string]string{"Kind": "protocol-error", "Time": "2016-04-01T11:08:00.000Z", "PID": "8003"},
		},
		{
			name: "host error",
			line: `2020-06-19 04:54:02 1jmFYj-00039V-QX H=null.corp [6.6.6.6] Connection timed out`,
			want: map[string]string{"Kind": "host-error", "Time": "2020-06-19T04:54:02.000Z", "ID": "1jmFYj-00039V-QX",
				"Host": "null.corp [6.6.6.6]", "HostName": "null.corp", "HostIP": "6.6.6.6", "Reason": "Connection timed out"},
		},
		{
			name: "paniclog note",
			line: `2020-05-26 15:01:40 +0200 1jdghf-00034W-No DKIM: signing failed: RSA_LONG_LINE`,
			want: map[string]string{"Kind": "note", "Time": "2020-05-26T13:01:40.000Z", "HasZone": "true", "ID": "1jdghf-00034W-No"},
		},
		{
			name: "CRLF line end",
			line: "2020-06-19 04:54:02 1jmFYj-00039V-QX Completed\r",
			want: map[string]string{"Kind": "completed", "Time": "2020-06-19T04:54:02.000Z", "ID": "1jmFYj-00039V-QX"},
		},
		{
			name: "rejectlog protocol error",
			line: `2020-06-13 17:55:20 +0200 SMTP protocol synchronization error (next input sent too soon: pipelining was not advertised): rejected`,
			want: map[string]string{"Kind": "protocol-error", "Time": "2020-06-13T15:55:20.000Z", "HasZone": "true"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := exim.ParseLine([]byte(tt.line))
			if err != nil {
				t.Fatalf("ParseLine: %v", err)
			}
			if diff := cmp.Diff(tt.want, project(r)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	tests := []struct {
		name, line string
		want       error
	}{
		{"empty", "", exim.ErrEmpty},
		{"blank", "   ", exim.ErrEmpty},
		{"no stamp", "hello world", exim.ErrTimestamp},
		{"bad date", "2020-13-45 10:00:00 1jmFYj-00039V-QX Completed", exim.ErrTimestamp},
		{"unknown text", "2020-06-19 04:54:02 something odd happened", exim.ErrUnrecognized},
		{"unknown message text", "2020-06-19 04:54:02 1jmFYj-00039V-QX something odd happened", exim.ErrMessageLine},
		{"carriage return only", "\r", exim.ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := exim.ParseLine([]byte(tt.line))
			if !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParserLocation(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Skip(t, "the IANA time zone database", "apt-get install tzdata: "+err.Error())
	}
	p := exim.NewParser(loc)
	var r exim.Record
	for line, want := range map[string]string{
		"2026-07-01 12:00:00 1tQ1aa-000A01-Q1 Completed":       "2026-07-01T10:00:00Z", // CEST
		"2026-12-01 12:00:00.5 1tQ1aa-000A01-Q1 Completed":     "2026-12-01T11:00:00.5Z",
		"2026-12-01 12:00:00 +0000 1tQ1aa-000A01-Q1 Completed": "2026-12-01T12:00:00Z",
	} {
		if err := p.Parse([]byte(line), &r); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := r.Time.UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("%s: time %s, want %s", line, got, want)
		}
	}
}

func TestRecipients(t *testing.T) {
	r, err := exim.ParseLine([]byte(`2026-11-02 09:00:00 1tQ1aa-000A01-Q1 <= a@x.org P=local S=1 for b@x.org, "c d"@x.org  e@y.org`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	r.EachRecipient(func(a []byte) { got = append(got, string(a)) })
	if diff := cmp.Diff([]string{"b@x.org", `"c d"@x.org`, "e@y.org"}, got); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	if n := r.RecipientCount(); n != 3 {
		t.Errorf("count %d, want 3", n)
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                 "plain",
		`say \"hi\"`:            `say "hi"`,
		`a\\b`:                  `a\b`,
		`line\n	next`:           "line\n\tnext",
		`trailing\`:             `trailing\`,
		`250-This one's OK\\n2`: `250-This one's OK\n2`,
	} {
		if got := string(exim.Unquote([]byte(in))); got != want {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
	}
}
