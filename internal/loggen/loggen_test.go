package loggen_test

import (
	"bufio"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailmeter/mailmeter/internal/loggen"
	"github.com/mailmeter/mailmeter/metering"
)

type genFunc func(io.Writer, loggen.Config) (loggen.Truth, error)

func gen(t *testing.T, g genFunc, cfg loggen.Config) ([]byte, loggen.Truth) {
	t.Helper()
	var buf bytes.Buffer
	tr, err := g(&buf, cfg)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if int64(buf.Len()) != tr.Bytes {
		t.Fatalf("Truth.Bytes = %d, wrote %d", tr.Bytes, buf.Len())
	}
	if n := int64(bytes.Count(buf.Bytes(), []byte("\n"))); n != tr.Lines {
		t.Fatalf("Truth.Lines = %d, wrote %d", tr.Lines, n)
	}
	return buf.Bytes(), tr
}

// small is a busy few minutes with every scenario turned up.
func small() loggen.Config {
	cfg := loggen.DefaultConfig()
	cfg.Messages = 3000
	cfg.Rate = 20
	cfg.DeferShare, cfg.BounceShare = 0.2, 0.1
	cfg.MaxRecipients = 6
	return cfg
}

func TestDeterministic(t *testing.T) {
	for name, g := range map[string]genFunc{"postfix": loggen.Postfix, "exim": loggen.Exim} {
		t.Run(name, func(t *testing.T) {
			cfg := small()
			cfg.Messages = 500
			a, _ := gen(t, g, cfg)
			b, _ := gen(t, g, cfg)
			if !bytes.Equal(a, b) {
				t.Fatal("same seed, different bytes")
			}
			cfg.Seed++
			c, _ := gen(t, g, cfg)
			if bytes.Equal(a, c) {
				t.Fatal("different seeds, same bytes")
			}
		})
	}
}

var (
	bsdPrefix    = regexp.MustCompile(`^[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d mail\.example\.net (postfix(/[a-z]+)+|amavis|dovecot|clamav-milter)\[\d+\]: \S`)
	zeroPrefix   = regexp.MustCompile(`^[A-Z][a-z]{2} [0-3][0-9] \d\d:\d\d:\d\d mail (postfix(/[a-z]+)+|amavis|dovecot|clamav-milter)\[\d+\]: \S`)
	rfcPrefix    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d mail\.example\.net (postfix(/[a-z]+)+|amavis|dovecot|clamav-milter)\[\d+\]: \S`)
	eximPrefix   = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? (\[\d+\] )?([0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2} (<=|=>|->|==|\*\*|Completed|H=)|[A-Za-z(])`)
	postfixQueue = regexp.MustCompile(`\]: ([0-9A-F]{10,12}|[0-9B-Zb-y]{10}z[0-9B-Zb-y]{4,}|NOQUEUE): `)
)

func TestWellFormedAndOrdered(t *testing.T) {
	cases := []struct {
		name   string
		g      genFunc
		style  loggen.TimestampStyle
		millis bool
		prefix *regexp.Regexp
		layout string
	}{
		{"postfix bsd", loggen.Postfix, loggen.BSDSyslog, false, bsdPrefix, "Jan _2 15:04:05"},
		{"postfix maillog_file", loggen.Postfix, loggen.MaillogFile, false, zeroPrefix, "Jan 02 15:04:05"},
		{"postfix rfc3339", loggen.Postfix, loggen.RFC3339Micro, false, rfcPrefix, "2006-01-02T15:04:05.000000Z07:00"},
		{"exim", loggen.Exim, 0, false, eximPrefix, time.DateTime},
		{"exim millis", loggen.Exim, 0, true, eximPrefix, "2006-01-02 15:04:05.000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := small()
			cfg.Messages = 800
			cfg.Timestamps, cfg.EximMillis = c.style, c.millis
			out, _ := gen(t, c.g, cfg)
			checkLines(t, out, c.prefix, c.layout, cfg.Start)
		})
	}
}

// checkLines checks every line's prefix and that stamps never go back.
func checkLines(t *testing.T, out []byte, prefix *regexp.Regexp, layout string, start time.Time) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	var last time.Time
	n := 0
	for sc.Scan() {
		line := sc.Text()
		n++
		if !prefix.MatchString(line) {
			t.Fatalf("line %d malformed: %q", n, line)
		}
		if strings.Contains(line, "postfix/") && strings.Contains(line, ": to=<") && !postfixQueue.MatchString(line) {
			t.Fatalf("line %d: bad queue id: %q", n, line)
		}
		ts, err := time.Parse(layout, line[:len(layout)])
		if err != nil {
			t.Fatalf("line %d: stamp: %v", n, err)
		}
		if ts.Year() == 0 { // year-less syslog: take the year of the start, rolling over
			ts = ts.AddDate(start.Year(), 0, 0)
			for ts.Before(last.Add(-24 * time.Hour)) {
				ts = ts.AddDate(1, 0, 0)
			}
		}
		if ts.Before(last) {
			t.Fatalf("line %d goes back in time: %q after %v", n, line, last)
		}
		last = ts
	}
	if n < 100 {
		t.Fatalf("only %d lines", n)
	}
}

func TestTruthMatchesIndependentCount(t *testing.T) {
	cases := []struct {
		name  string
		g     genFunc
		count func([]byte) *usage
		tweak func(*loggen.Config)
	}{
		{"postfix", loggen.Postfix, countPostfix, func(*loggen.Config) {}},
		{"postfix cut at a line limit", loggen.Postfix, countPostfix, func(c *loggen.Config) { c.Messages, c.Lines = 0, 9999 }},
		{"postfix long ids", loggen.Postfix, countPostfix, func(c *loggen.Config) { c.LongIDShare = 1 }},
		{"exim with for", loggen.Exim, func(b []byte) *usage { return countExim(b, true) }, func(*loggen.Config) {}},
		{"exim without for", loggen.Exim, func(b []byte) *usage { return countExim(b, false) },
			func(c *loggen.Config) { c.EximRecipients, c.EximPID = false, false }},
		{"exim cut by duration", loggen.Exim, func(b []byte) *usage { return countExim(b, true) },
			func(c *loggen.Config) { c.Messages, c.Duration = 0, 90*time.Second }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := small()
			c.tweak(&cfg)
			out, tr := gen(t, c.g, cfg)
			got := c.count(out)
			if d := cmp.Diff(tr.Usage, got.Usage); d != "" {
				t.Errorf("usage: truth -want, independent count +got:\n%s", d)
			}
			if d := cmp.Diff(tr.LatencyCount, got.Latency); d != "" {
				t.Errorf("latency samples (-truth +count):\n%s", d)
			}
			for _, m := range metering.CounterMetrics {
				if m == metering.SpamBlocked || m == metering.VirusBlocked {
					continue // none under Exim
				}
				if tr.Total(m) == 0 {
					t.Errorf("scenario coverage: no %s at all", m)
				}
			}
		})
	}
}

// TestSimpleCounts checks totals against plain line counts, with no
// correlation at all.
func TestSimpleCounts(t *testing.T) {
	cfg := small()
	out, tr := gen(t, loggen.Postfix, cfg)
	s := string(out)
	localSent := 0
	for _, agent := range []string{"postfix/lmtp[", "postfix/virtual[", "postfix/pipe["} {
		localSent += countLines(s, agent, "status=sent")
	}
	checks := []struct {
		name string
		want int64
		got  int
	}{
		{"in_messages", tr.Total(metering.InMessages), localSent},
		{"inbound latency", tr.LatencyCount[metering.Inbound], localSent},
		{"outbound latency", tr.LatencyCount[metering.Outbound],
			countLines(s, "postfix/smtp[", "status=sent") - countLines(s, "relay=127.0.0.1[127.0.0.1]:10024", "status=sent")},
		{"rejected_out", tr.Total(metering.RejectedOut), countLines(s, ": 554 5.7.1 <", "sasl_username=<")},
		{"tempfailed_out", tr.Total(metering.TempfailedOut), countLines(s, ": 450 4.7.1 <", "sasl_username=<")},
		{"rejects", tr.Total(metering.RejectedIn) + tr.Total(metering.TempfailedIn) + tr.Total(metering.RejectedOut) + tr.Total(metering.TempfailedOut),
			countLines(s, "reject: RCPT", "proto=")},
		{"tempfailed_in", tr.Total(metering.TempfailedIn),
			countLines(s, "reject: RCPT", ": 450 4.2.0 <") + countLines(s, "reject: RCPT", ": 450 4.3.2 Service currently unavailable")},
		{"virus_blocked", tr.Total(metering.VirusBlocked),
			countLines(s, "FOUND VIRUS", "milter-reject") + countLines(s, "Blocked INFECTED", "-> <") + countLines(s, "Blocked INFECTED", ">,<")},
		{"out_messages", tr.Total(metering.OutMessages), countLines(s, ": client=", "sasl_username=")},
	}
	for _, c := range checks {
		if c.want != int64(c.got) {
			t.Errorf("%s: truth %d, lines %d", c.name, c.want, c.got)
		}
	}
}

// countLines counts lines containing a, and b as many times as it occurs.
func countLines(s, a, b string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.Contains(line, a) {
			n += strings.Count(line, b)
		}
	}
	return n
}

// extremes are configurations with the shares pushed to their limits.
func extremes() map[string]func(*loggen.Config) {
	return map[string]func(*loggen.Config){
		"nothing but clean inbound": func(c *loggen.Config) {
			c.AuthShare, c.DeferShare, c.BounceShare, c.RejectShare, c.NoiseShare = 0, 0, 0, 0, 0
			c.SpamShare, c.VirusShare, c.FilterShare, c.AliasShare, c.PlusShare = 0, 0, 0, 0, 0
		},
		"all submissions, all filtered, many recipients": func(c *loggen.Config) {
			c.AuthShare, c.FilterShare, c.MaxRecipients, c.RemoteShare = 1, 1, 20, 0.9
		},
		"everything fails": func(c *loggen.Config) {
			c.DeferShare, c.BounceShare, c.RejectShare, c.NoiseShare = 0.5, 0.5, 0.5, 0.5
		},
		"all spam and viruses through amavis": func(c *loggen.Config) {
			c.AuthShare, c.SpamShare, c.VirusShare, c.FilterShare = 0, 0.5, 0.5, 1
		},
		"all spam and viruses at the milter": func(c *loggen.Config) {
			c.AuthShare, c.SpamShare, c.VirusShare, c.FilterShare = 0, 0.5, 0.5, 0
		},
		"aliases, tags and long ids": func(c *loggen.Config) {
			c.AliasShare, c.PlusShare, c.LongIDShare = 0.5, 0.5, 1
		},
		"one mailbox": func(c *loggen.Config) { c.Mailboxes, c.Domains = 1, 1 },
	}
}

// TestTruthAtExtremes checks truth against independent counting at the
// extremes.
func TestTruthAtExtremes(t *testing.T) {
	for name, tweak := range extremes() {
		t.Run(name, func(t *testing.T) {
			cfg := small()
			cfg.Messages = 600
			tweak(&cfg)
			out, tr := gen(t, loggen.Postfix, cfg)
			if d := cmp.Diff(tr.Usage, countPostfix(out).Usage); d != "" {
				t.Errorf("postfix (-truth +count):\n%s", d)
			}
			for _, list := range []bool{true, false} {
				cfg.EximRecipients = list
				out, tr = gen(t, loggen.Exim, cfg)
				if d := cmp.Diff(tr.Usage, countExim(out, list).Usage); d != "" {
					t.Errorf("exim, for lists %v (-truth +count):\n%s", list, d)
				}
			}
		})
	}
}
