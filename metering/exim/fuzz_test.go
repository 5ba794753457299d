package exim_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering/exim"
)

func FuzzParseLine(f *testing.F) {
	for _, line := range readLines(f, "testdata/mainlog") {
		f.Add(line)
	}
	for _, s := range []string{
		"",
		"2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3]: x",
		`2020-02-11 17:09:46 1j1Z2g-00Faoy-Uh <= e@x U=e P=local T="[x] \"Hello\" \\" for a@b`,
		"1999-03-02 09:44:33 10HmaX-000000005vi-0000 ** |x \"${map {<, $r}}\" <system-filter> T=address_pipe : gen",
		"Jun 29 16:04:19 server exim[1234]: dovecot_login authenticator failed for ([1.2.3.5]) [1.2.3.4]:55379: 535",
		"mail.example.com exim[3751842]: 2021-07-17 23:20:49 plain_server authenticator failed for ([192.0.2.17])",
		"2020-06-24 00:20:20 1raAV4-009jr4-9x == jack@test.corp R=d T=r defer (-44) H=(relay) [4.4.4.4: SMTP",
		"2017-07-30 18:51:05.712 H=[V4NET.0.0.0] U=CALLER temporarily rejected connection in \"connect\" ACL",
		"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 => a@b H=[::ffff:127.0.0.1]:10024* C=\"queued as 1tQ1ab-000A01-Q1\"",
		"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 >> a@b H=x [",
		"2026-11-02 09:00:00 H=(",
		"2026-11-02 09:00:00 1tQ1aa-000A01-Q1 Completed QT=1.9999999999s",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := append([]byte(nil), line...)
		r, err := exim.ParseLine(line)
		if !bytes.Equal(orig, line) {
			t.Fatal("ParseLine modified its input")
		}
		if err == nil && r.Kind == exim.KindUnknown {
			t.Fatal("no error but unknown kind")
		}
		for name, v := range map[string][]byte{"ID": r.ID, "Address": r.Address, "Original": r.Original,
			"Host": r.Host, "HostIP": r.HostIP, "Confirmation": r.Confirmation, "Reason": r.Reason,
			"Recipients": r.Recipients, "Subject": r.Subject, "QueuedAs": r.QueuedAs} {
			if len(v) > 0 && !bytes.Contains(line, v) {
				t.Fatalf("%s %q is not part of the line", name, v)
			}
		}
		_ = exim.Unquote(r.Subject)
		r.EachRecipient(func([]byte) {})

		p, _ := exim.NewProcessor(exim.Options{YearRef: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		s := &recSink{}
		p.ProcessLine(line, s)
		p.ProcessLine(line, s)
		state, err := p.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		q, _ := exim.NewProcessor(exim.Options{})
		if err := q.UnmarshalState(state); err != nil {
			t.Fatalf("state does not restore: %v\n%s", err, state)
		}
		p.Expire(time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC), s) // after any 4-digit year
		if st := p.Stats(); st.Open != 0 {
			t.Fatalf("%d messages open after expiring everything", st.Open)
		}
	})
}

// FuzzProcessorSplit feeds a whole log and checks that marshalling the
// state after any line changes nothing that is emitted.
func FuzzProcessorSplit(f *testing.F) {
	data, err := os.ReadFile("testdata/mainlog")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, uint16(7))
	f.Add(data[:len(data)/3], uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		lines := bytes.Split(data, []byte("\n"))
		k := int(split) % (len(lines) + 1)
		opts := exim.Options{YearRef: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
		whole := &recSink{}
		p, _ := exim.NewProcessor(opts)
		for _, l := range lines {
			p.ProcessLine(l, whole)
		}
		first, _ := exim.NewProcessor(opts)
		got := &recSink{}
		for _, l := range lines[:k] {
			first.ProcessLine(l, got)
		}
		state, err := first.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		second, _ := exim.NewProcessor(opts)
		if err := second.UnmarshalState(state); err != nil {
			t.Fatalf("restore: %v", err)
		}
		for _, l := range lines[k:] {
			second.ProcessLine(l, got)
		}
		if !sameEvents(whole.events, got.events) || !sameSamples(whole.samples, got.samples) {
			t.Fatalf("split after line %d emits differently", k)
		}
	})
}
