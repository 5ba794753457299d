package postfix_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/postfix"
)

// messageSeeds returns the message parts of testdata/realistic.log.
func messageSeeds(f *testing.F) [][]byte {
	data, err := os.ReadFile("testdata/realistic.log")
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if i := bytes.Index(l, []byte("]: ")); i > 0 {
			out = append(out, l[i+3:])
		}
	}
	return out
}

func FuzzParseLine(f *testing.F) {
	for _, s := range messageSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{
		"A323688C523:from=<foo@example.com>, status=expired, returned to sender",
		"1234ABCD: to=user@host.example.com, orig_to=root@localhost, relay=local, delay=0, status=sent (x)",
		"NOQUEUE: reject: RCPT from [1.2.3.4]:5: 550 x; from=<a@b>, to=<c@d>, proto=ESMTP, helo=<e>",
		"ABCDE12345: to=<\"a>b\"@c>, relay=x[1.2.3.4]:25, delay=1, status=sent ((((",
		"ABCDE12345: from=<<<>>>, size=99999999999999999999, nrcpt=-1",
		"X1234: hold: header Subject: x from y; from=<> to=<>: t",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := postfix.ParseLine(msg)
		if err != nil {
			if r.Kind != postfix.KindUnknown {
				t.Fatalf("error %v with kind %v", err, r.Kind)
			}
			return
		}
		if r.Kind == postfix.KindUnknown {
			t.Fatalf("no error but kind unknown")
		}
		for _, f := range [][]byte{r.QueueID, r.To, r.From, r.Text, r.Relay, r.QueuedAs, r.Client} {
			if len(f) > len(msg) {
				t.Fatalf("field longer than the message")
			}
		}
		if r.Size < 0 || r.Nrcpt < 0 || r.Delay < 0 {
			t.Fatalf("negative number in %+v", r)
		}
	})
}

// FuzzProcessor feeds arbitrary lines, framed and unframed, to a
// Processor, with a state round trip in between: it must never panic.
func FuzzProcessor(f *testing.F) {
	for _, s := range messageSeeds(f) {
		f.Add(append([]byte("Mar 10 09:00:01 mx1 postfix/smtp[1]: "), s...))
	}
	f.Add([]byte("9999-12-31T23:59:59-14:00 mx1 postfix/qmgr[1]: ABCDE12345: removed"))
	f.Add([]byte("0000-01-01T00:00:00+14:00 mx1 postfix/qmgr[1]: ABCDE12345: removed"))
	f.Fuzz(func(t *testing.T, line []byte) {
		p := newProcessor(t, postfix.Options{YearRef: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), Location: time.UTC})
		var rec recorder
		p.ProcessLine(line, &rec)
		state, err := p.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		q := newProcessor(t, postfix.Options{Location: time.UTC})
		if err := q.UnmarshalState(state); err != nil {
			t.Fatal(err)
		}
		q.ProcessLine(line, &rec)
		q.Expire(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), &rec)
	})
}
