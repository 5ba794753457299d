package contentfilter_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/metering/contentfilter"
)

// flat is a Verdict with strings, for readable diffs.
type flat struct {
	Source                          string
	Action, Category, Detail, Flags string
	Blocked, Spam, Virus            bool
	Sender                          string
	Recipients                      []string
	Size                            int64
	QueueID, QueuedAs, MessageID    string
	Score, User                     string
	Elapsed                         time.Duration
}

func flatten(v contentfilter.Verdict) flat {
	f := flat{
		Source: v.Source.String(), Action: string(v.Action), Category: string(v.Category),
		Detail: string(v.Detail), Flags: string(v.Flags), Blocked: v.Blocked, Spam: v.Spam,
		Virus: v.Virus, Sender: string(v.Sender), Size: v.Size, QueueID: string(v.QueueID),
		QueuedAs: string(v.QueuedAs), MessageID: string(v.MessageID), Score: string(v.Score),
		User: string(v.User), Elapsed: v.Elapsed,
	}
	v.EachRecipient(func(a []byte) { f.Recipients = append(f.Recipients, string(a)) })
	return f
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       flat
	}{
		{
			name: "amavis modern blocked infected",
			line: "(4051607-09) Blocked INFECTED (Porcupine.Phishing.55542.UNOFFICIAL) {DiscardedInbound,Quarantined}, [192.168.0.1]:1434 [192.168.0.1] <someone1@something1.com> -> <someon2@something2.com>, quarantine: 2/virus-26W2lJY63nCZ, Queue-ID: 83B741009CD35, Message-ID: <20240223075525.8CD9941B67@xxx.xxx.shop>, mail_id: 26W2lJY63nCZ, Hits: -, size: 28646, 104 ms",
			want: flat{Source: "amavis", Action: "Blocked", Category: "INFECTED", Detail: "Porcupine.Phishing.55542.UNOFFICIAL",
				Flags: "DiscardedInbound,Quarantined", Blocked: true, Virus: true, Sender: "someone1@something1.com",
				Recipients: []string{"someon2@something2.com"}, Size: 28646, QueueID: "83B741009CD35",
				MessageID: "20240223075525.8CD9941B67@xxx.xxx.shop", Score: "-", Elapsed: 104 * time.Millisecond},
		},
		{
			name: "amavis modern passed clean",
			line: "(12345-01) Passed CLEAN {RelayedInbound}, [103.28.42.139]:56540 [103.28.42.139] <visit@cmail19.com> -> <user@test.com>, Message-ID: <cm.1@cmail19.com>, Hits: -1.481, size: 142067, queued_as: A0320E00C3, dkim_sd=cm:mailing.agenda.be, 10172 ms",
			want: flat{Source: "amavis", Action: "Passed", Category: "CLEAN", Flags: "RelayedInbound", Sender: "visit@cmail19.com",
				Recipients: []string{"user@test.com"}, Size: 142067, QueuedAs: "A0320E00C3", MessageID: "cm.1@cmail19.com",
				Score: "-1.481", Elapsed: 10172 * time.Millisecond},
		},
		{
			name: "amavis multi recipient origin tokens",
			line: "Passed SPAMMY, ORIGINATING/MYNETS LOCAL [10.0.0.1] [10.0.0.1] <from@example.com> -> <to1@sample.net>,<to2@sample.net>, quarantine: spam-EzEbE9W, Message-ID: <1@example.com>, mail_id: EzEbE9W, Hits: 6.364, size: 16493, 6292 ms",
			want: flat{Source: "amavis", Action: "Passed", Category: "SPAMMY", Spam: true, Sender: "from@example.com",
				Recipients: []string{"to1@sample.net", "to2@sample.net"}, Size: 16493, MessageID: "1@example.com",
				Score: "6.364", Elapsed: 6292 * time.Millisecond},
		},
		{
			name: "amavis old template",
			line: "(11802-02) Blocked SPAM, <spam@zentyal.org> -> <macaco@monos.org>, Hits: 4.736, tag=0, tag2=2, kill=2, L/Y/Y/Y",
			want: flat{Source: "amavis", Action: "Blocked", Category: "SPAM", Blocked: true, Spam: true,
				Sender: "spam@zentyal.org", Recipients: []string{"macaco@monos.org"}, Score: "4.736"},
		},
		{
			name: "amavis old template queued_as null sender quoted",
			line: "Passed SPAM, <> -> <\"fred).flintstone\"@domain.tld>, Message-ID: <2@a>, mail_id: 6AzQ1g0l5RgP, Hits: 9.061, size: 5555, queued_as: C1840506CB8, 8766 ms",
			want: flat{Source: "amavis", Action: "Passed", Category: "SPAM", Spam: true, Sender: "",
				Recipients: []string{"\"fred).flintstone\"@domain.tld"}, Size: 5555, QueuedAs: "C1840506CB8",
				MessageID: "2@a", Score: "9.061", Elapsed: 8766 * time.Millisecond},
		},
		{
			name: "amavis banned with detail",
			line: "(16115-01) Blocked BANNED (multipart/mixed | application/x-zip,.zip,putty.zip | .exe,.exe-ms,PAGEANT.EXE), <spam@zentyal.org> -> <macaco@monos.org>, Hits: -, tag=0, tag2=2, kill=2, L/Y/0/0",
			want: flat{Source: "amavis", Action: "Blocked", Category: "BANNED", Blocked: true,
				Detail: "multipart/mixed | application/x-zip,.zip,putty.zip | .exe,.exe-ms,PAGEANT.EXE",
				Sender: "spam@zentyal.org", Recipients: []string{"macaco@monos.org"}, Score: "-"},
		},
		{
			name: "spamd result",
			line: "spamd: result: Y 12 - BAYES_99,HTML_MESSAGE scantime=2.9,size=55475,user=debian-spamd,uid=117,required_score=5.0,rhost=127.0.0.1,raddr=127.0.0.1,rport=46152,mid=<a@b.c>,autolearn=disabled",
			want: flat{Source: "spamd", Action: "Y", Spam: true, Size: 55475, MessageID: "a@b.c", Score: "12",
				User: "debian-spamd", Elapsed: 2900 * time.Millisecond},
		},
		{
			name: "clamav milter",
			line: "Message from <nuxwin@domain.tld> to <nuxwin@domain.tld> infected by Eicar-Test-Signature",
			want: flat{Source: "clamav", Action: "infected", Virus: true, Sender: "nuxwin@domain.tld",
				Recipients: []string{"nuxwin@domain.tld"}, Detail: "Eicar-Test-Signature"},
		},
		{
			name: "rspamd reject",
			line: "<ed2abb>; task; rspamd_task_write_log: id: <a@b>, qid: <4TwNdH5zwCz7fxV>, ip: 1.2.3.4, user: joe@example.org, from: <joe@example.org>, (default: T (reject): [16.50/15.00] [BAYES_SPAM(5.1){99%;}]), len: 5321, time: 120.2ms, dns req: 12, digest: <x>, rcpts: <a@x.org>,<b@x.org>",
			want: flat{Source: "rspamd", Action: "reject", Blocked: true, Spam: true, Sender: "joe@example.org",
				Recipients: []string{"a@x.org", "b@x.org"}, Size: 5321, QueueID: "4TwNdH5zwCz7fxV", MessageID: "a@b",
				Score: "16.50", User: "joe@example.org"},
		},
		{
			name: "rspamd no action",
			line: "id: <undef>, qid: <ABC123>, ip: 1.2.3.4, from: <>, (default: F (no action): [1.20/15.00] [R_SPF_ALLOW(-0.2){}]), len: 100, time: 1ms, dns req: 1",
			want: flat{Source: "rspamd", Action: "no action", Size: 100, QueueID: "ABC123", MessageID: "undef", Score: "1.20"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := contentfilter.ParseLine([]byte(tt.line))
			if err != nil {
				t.Fatalf("ParseLine: %v", err)
			}
			if diff := cmp.Diff(tt.want, flatten(v)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLineNotVerdict(t *testing.T) {
	for _, line := range []string{
		"(11173-01) TIMING [total 1234 ms] - SMTP greeting: 5",
		"spamd: connection from example.org [127.0.0.1]:53684 to port 783, fd 5",
		"<ed2abb>; task; accept_socket: accepted connection from ::1 port 52895",
		"(1-1) Passed CLEAN",
	} {
		t.Run(line, func(t *testing.T) {
			if _, err := contentfilter.ParseLine([]byte(line)); err == nil {
				t.Errorf("ParseLine(%q) succeeded, want an error", line)
			}
		})
	}
}
