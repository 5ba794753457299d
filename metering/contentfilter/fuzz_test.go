package contentfilter_test

import (
	"testing"

	"github.com/mailmeter/mailmeter/metering/contentfilter"
)

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"(4051607-09) Blocked INFECTED (Porcupine.Phishing) {DiscardedInbound,Quarantined}, [192.168.0.1]:1434 [192.168.0.1] <a@b> -> <c@d>, quarantine: 2/virus-26W2lJY63nCZ, Queue-ID: 83B741009CD35, Message-ID: <x@y>, mail_id: 26W2, Hits: -, size: 28646, 104 ms",
		"(11802-02) Blocked SPAM, <spam@zentyal.org> -> <macaco@monos.org>, Hits: 4.736, tag=0, tag2=2, kill=2, L/Y/Y/Y",
		"Passed SPAMMY, ORIGINATING/MYNETS LOCAL [10.0.0.1] [10.0.0.1] <f@e.com> -> <a@s.net>,<b@s.net>, Hits: 6.364, size: 16493, 6292 ms",
		"spamd: result: Y 12 - BAYES_99 scantime=2.9,size=55475,user=debian-spamd,mid=<a@b.c>",
		"Message from <n@d.tld> to <n@d.tld> infected by Eicar-Test-Signature",
		"id: <a@b>, qid: <4TwNdH5zwCz7fxV>, user: j@e.org, from: <j@e.org>, (default: T (reject): [16.50/15.00] [X]), len: 5321, rcpts: <a@x.org>,<b@x.org>",
		"(default: ", "(1-", "Passed (", "Blocked X {",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		v, err := contentfilter.ParseLine(line)
		if err != nil {
			return
		}
		n := 0
		v.EachRecipient(func(a []byte) {
			if len(a) > len(line) {
				t.Fatalf("recipient longer than line")
			}
			n++
		})
		if n > len(line) {
			t.Fatalf("%d recipients from %d bytes", n, len(line))
		}
	})
}
