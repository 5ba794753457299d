package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/sla"
)

var base = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

// at is base plus minutes (and seconds).
func at(min int, sec ...int) time.Time {
	t := base.Add(time.Duration(min) * time.Minute)
	if len(sec) > 0 {
		t = t.Add(time.Duration(sec[0]) * time.Second)
	}
	return t
}

// states renders a timeline as one letter a minute: u up, D down, ? unknown.
func states(tl sla.Timeline) string {
	var b strings.Builder
	for _, s := range tl.States {
		b.WriteByte(map[sla.State]byte{sla.Up: 'u', sla.Down: 'D', sla.Unknown: '?'}[s])
	}
	return b.String()
}

// checks builds one check a minute (at :10) of target from pattern: u up,
// x failed, . none.
func checks(target, pattern string) []sla.Check {
	var out []sla.Check
	for i, c := range pattern {
		if c != '.' {
			out = append(out, sla.Check{Target: target, At: at(i, 10), Up: c == 'u'})
		}
	}
	return out
}

func TestTimelineRules(t *testing.T) {
	for _, tt := range []struct {
		name    string
		svc     sla.MailService
		checks  []sla.Check
		want    string
		minutes int
	}{
		{"one failure is down", sla.MailService{Targets: []string{"a"}},
			checks("a", "uuxuu"), "uuDuu", 5},
		{"failures: 2 forgives one failure, counts two from the first", sla.MailService{Targets: []string{"a"}, Failures: 2},
			checks("a", "uxuxxuu"), "uuuDDuu", 7},
		{"a minute without a check takes the previous one's result, up to two intervals", sla.MailService{Targets: []string{"a"}},
			checks("a", "ux.u...u"), "uDDuuu?u", 8},
		{"before the first check nothing is known", sla.MailService{Targets: []string{"a"}},
			checks("a", "..uu"), "??uu", 4},
		{"any: one target down is the service down", sla.MailService{Targets: []string{"a", "b"}},
			append(checks("a", "uxxuu"), checks("b", "uuxxu")...), "uDDDu", 5},
		{"all: down only while every target is down", sla.MailService{Targets: []string{"a", "b"}, DownWhen: sla.AllDown},
			append(checks("a", "uxxuu"), checks("b", "uuxxu")...), "uuDuu", 5},
		{"all: a target down and the other unknown is unknown", sla.MailService{Targets: []string{"a", "b"}, DownWhen: sla.AllDown},
			append(checks("a", "uxxxx"), checks("b", "uu...")...), "uuuu?", 5},
		{"no targets: unknown", sla.MailService{Name: "webmail"}, nil, "???", 3},
		{"checks of other targets do not count", sla.MailService{Targets: []string{"a"}},
			append(checks("a", "uuu"), checks("b", "xxx")...), "uuu", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.svc.Timeline(tt.checks, base, at(tt.minutes), time.Minute)
			if s := states(got); s != tt.want {
				t.Errorf("timeline %s, want %s", s, tt.want)
			}
		})
	}
}

// A minute with two checks is down if either is; a failed run that ends
// is up again from the minute of the first good check.
func TestTimelineSeveralChecksAMinute(t *testing.T) {
	svc := sla.MailService{Targets: []string{"a"}}
	cs := []sla.Check{{"a", at(0, 5), true}, {"a", at(0, 35), false}, {"a", at(1, 5), false}, {"a", at(1, 35), true}, {"a", at(2, 5), true}}
	if s := states(svc.Timeline(cs, base, at(3), 30*time.Second)); s != "DDu" {
		t.Errorf("timeline %s, want DDu", s)
	}
	// With 30 s checks, a check speaks for a minute: a two-minute gap
	// is unknown from its second minute.
	cs = []sla.Check{{"a", at(0, 5), true}, {"a", at(3, 5), true}}
	if s := states(svc.Timeline(cs, base, at(4), 30*time.Second)); s != "uu?u" {
		t.Errorf("timeline %s, want uu?u", s)
	}
}

func TestMailServiceValidate(t *testing.T) {
	for _, tt := range []struct {
		svc  sla.MailService
		want string
	}{
		{sla.MailService{Name: "SMTP", Targets: []string{"a"}}, "lower-case"},
		{sla.MailService{Name: "smtp"}, "at least one probe"},
		{sla.MailService{Name: "smtp", Targets: []string{"a"}, DownWhen: "most"}, "want any or all"},
		{sla.MailService{Name: "smtp", Targets: []string{"a"}, Failures: -1}, "negative"},
	} {
		if err := tt.svc.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.svc, err, tt.want)
		}
	}
	if err := (sla.MailService{Name: "smtp-ha", Targets: []string{"mx1", "mx2"}, DownWhen: sla.AllDown, Failures: 3}).Validate(); err != nil {
		t.Error(err)
	}
}
