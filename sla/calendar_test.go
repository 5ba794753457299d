package sla_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/sla"
	"github.com/mailmeter/mailmeter/sla/slatest"
)

// world is a Service over an in-memory store with a fixed clock.
type world struct {
	t   *testing.T
	mem *slatest.Memory
	svc *sla.Service
	now time.Time
}

func newWorld(t *testing.T, now time.Time, tune func(*sla.Policy), services ...sla.MailService) *world {
	t.Helper()
	w := &world{t: t, mem: slatest.NewMemory(), now: now}
	p := sla.DefaultPolicy(time.Minute)
	if tune != nil {
		tune(&p)
	}
	svc, err := sla.NewService(sla.Deps{Store: w.mem, Services: services, Policy: p, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	return w
}

// probe stores a check of target every minute (at :20) of [from, to),
// failed where down says.
func (w *world) probe(target string, from, to time.Time, down func(time.Time) bool) {
	var cs []sla.Check
	for t := from.Add(20 * time.Second); t.Before(to); t = t.Add(time.Minute) {
		cs = append(cs, sla.Check{Target: target, At: t, Up: down == nil || !down(t)})
	}
	w.mem.AddChecks(cs...)
}

// month returns the figures of every service over a calendar month in loc.
func (w *world) month(year int, m time.Month, loc *time.Location) map[string]sla.Figures {
	w.t.Helper()
	from := time.Date(year, m, 1, 0, 0, 0, 0, loc)
	figs, err := w.svc.Figures(context.Background(), from, from.AddDate(0, 1, 0))
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]sla.Figures{}
	for _, f := range figs {
		out[f.Service] = f
	}
	return out
}

// during is true inside any of the given [start, end) pairs.
func during(ts ...time.Time) func(time.Time) bool {
	return func(t time.Time) bool {
		for i := 0; i+1 < len(ts); i += 2 {
			if !t.Before(ts[i]) && t.Before(ts[i+1]) {
				return true
			}
		}
		return false
	}
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

var smtp = sla.MailService{Name: "smtp", Targets: []string{"mx1"}}

// outages renders outages as "start–end minutes cause" in their zone.
func outages(os []sla.Outage) []string {
	out := []string{}
	for _, o := range os {
		out = append(out, o.Start.Format("01-02 15:04 MST")+"–"+o.End.Format("01-02 15:04 MST")+" "+itoa(o.Minutes)+" "+o.Cause)
	}
	return out
}

func itoa(n int64) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// An outage across a month's end counts in each month for its minutes
// there, judged by its whole length against the minimum; a shorter one
// inside a month does not count.
func TestMonthBoundaries(t *testing.T) {
	w := newWorld(t, utc(2026, 12, 5, 0, 0), func(p *sla.Policy) { p.MinOutage = 15 * time.Minute }, smtp)
	w.probe("mx1", utc(2026, 10, 1, 0, 0), utc(2026, 12, 1, 0, 0), during(
		utc(2026, 10, 31, 23, 50), utc(2026, 11, 1, 0, 10), // 20 minutes over the month's end
		utc(2026, 11, 15, 12, 0), utc(2026, 11, 15, 12, 10), // 10 minutes: under the minimum
	))
	oct, nov := w.month(2026, time.October, time.UTC)["smtp"], w.month(2026, time.November, time.UTC)["smtp"]
	if diff := cmp.Diff([]string{"10-31 23:50 UTC–11-01 00:00 UTC 10 probe"}, outages(oct.Downtime)); diff != "" {
		t.Errorf("October downtime (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"11-01 00:00 UTC–11-01 00:10 UTC 10 probe"}, outages(nov.Downtime)); diff != "" {
		t.Errorf("November downtime (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"11-15 12:00 UTC–11-15 12:10 UTC 10 probe"}, outages(nov.ShortOutages)); diff != "" {
		t.Errorf("November short outages (-want +got):\n%s", diff)
	}
	if oct.Minutes != 31*1440 || oct.DowntimeMinutes != 10 || nov.Minutes != 30*1440 || nov.DowntimeMinutes != 10 ||
		nov.UptimePPM != 999768 || nov.UnknownMinutes != 0 {
		t.Errorf("October %d min, %d down; November %d min, %d down, %d ppm, %d unknown", oct.Minutes, oct.DowntimeMinutes,
			nov.Minutes, nov.DowntimeMinutes, nov.UptimePPM, nov.UnknownMinutes)
	}
}

// February of a leap year has 29 days, and its last day counts.
func TestLeapYear(t *testing.T) {
	w := newWorld(t, utc(2028, 3, 10, 0, 0), nil, smtp)
	w.probe("mx1", utc(2028, 2, 1, 0, 0), utc(2028, 3, 2, 0, 0), during(utc(2028, 2, 29, 12, 0), utc(2028, 2, 29, 12, 30)))
	f := w.month(2028, time.February, time.UTC)["smtp"]
	if f.Minutes != 29*1440 || f.DowntimeMinutes != 30 || f.UptimePPM != 999281 || f.UptimePercent != 99.9281 {
		t.Errorf("February 2028: %d minutes, %d down, %d ppm (%v %%)", f.Minutes, f.DowntimeMinutes, f.UptimePPM, f.UptimePercent)
	}
	if diff := cmp.Diff([]string{"02-29 12:00 UTC–02-29 12:30 UTC 30 probe"}, outages(f.Downtime)); diff != "" {
		t.Errorf("downtime (-want +got):\n%s", diff)
	}
}

// A customer's month is that of its zone: March in Berlin is an hour
// shorter (and starts at 23:00 UTC the day before), October an hour longer;
// an outage across the clock change is shown in local time with its real
// length.
func TestDSTInCustomerZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, utc(2026, 11, 5, 0, 0), nil, smtp)
	w.probe("mx1", utc(2026, 2, 20, 0, 0), utc(2026, 4, 5, 0, 0), during(
		utc(2026, 2, 28, 23, 30), utc(2026, 2, 28, 23, 40), // 00:30 on March 1st in Berlin
		utc(2026, 3, 29, 0, 50), utc(2026, 3, 29, 1, 10), // 01:50 CET to 03:10 CEST
	))
	w.probe("mx1", utc(2026, 9, 25, 0, 0), utc(2026, 11, 5, 0, 0), nil)
	mar := w.month(2026, time.March, berlin)["smtp"]
	want := []string{"03-01 00:30 CET–03-01 00:40 CET 10 probe", "03-29 01:50 CET–03-29 03:10 CEST 20 probe"}
	if diff := cmp.Diff(want, outages(mar.Downtime)); diff != "" {
		t.Errorf("March in Berlin (-want +got):\n%s", diff)
	}
	if mar.Minutes != 31*1440-60 || mar.DowntimeMinutes != 30 {
		t.Errorf("March in Berlin: %d minutes, %d down", mar.Minutes, mar.DowntimeMinutes)
	}
	if utcMar := w.month(2026, time.March, time.UTC)["smtp"]; utcMar.DowntimeMinutes != 20 || utcMar.Minutes != 31*1440 {
		t.Errorf("March in UTC: %d minutes, %d down", utcMar.Minutes, utcMar.DowntimeMinutes)
	}
	if oct := w.month(2026, time.October, berlin)["smtp"]; oct.Minutes != 31*1440+60 || oct.UptimePPM != 1_000_000 || oct.UnknownMinutes != 0 {
		t.Errorf("October in Berlin: %d minutes, %d ppm, %d unknown", oct.Minutes, oct.UptimePPM, oct.UnknownMinutes)
	}
}

// While the prober is not running nothing is known: those minutes are
// reported, and count as up unless the policy says down.
func TestProberGaps(t *testing.T) {
	for _, asDown := range []bool{false, true} {
		w := newWorld(t, utc(2026, 12, 5, 0, 0), func(p *sla.Policy) { p.UnknownAsDown = asDown }, smtp)
		w.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 11, 10, 12, 0), nil)
		w.probe("mx1", utc(2026, 11, 10, 18, 0), utc(2026, 12, 1, 0, 0), nil)
		f := w.month(2026, time.November, time.UTC)["smtp"]
		// The last check (11:59:20) speaks for two minutes, into 12:01:
		// unknown from 12:02 until the checks resume at 18:00:20.
		if f.UnknownMinutes != 358 || len(f.Unknown) != 1 || !f.Unknown[0].Start.Equal(utc(2026, 11, 10, 12, 2)) || f.DowntimeMinutes != 0 || len(f.Downtime) != 0 {
			t.Errorf("as down %v: unknown %d %+v, down %d", asDown, f.UnknownMinutes, f.Unknown, f.DowntimeMinutes)
		}
		wantPPM := int64(1_000_000)
		if asDown {
			wantPPM = (43200 - 358) * 1_000_000 / 43200
		}
		if f.UptimePPM != wantPPM || f.UnknownAsDown != asDown {
			t.Errorf("as down %v: %d ppm, want %d", asDown, f.UptimePPM, wantPPM)
		}
	}
}

// Incidents merge with probe downtime without counting an overlap twice;
// excluded maintenance cuts downtime out, and the report says how much of
// each window was down.
func TestOverlappingIncidentsAndMaintenance(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, utc(2026, 11, 1, 0, 0), nil, smtp)
	w.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0), during(utc(2026, 11, 20, 10, 0), utc(2026, 11, 20, 10, 30)))
	for _, in := range []sla.IncidentInput{
		{Service: "smtp", Start: utc(2026, 11, 20, 10, 20), End: utc(2026, 11, 20, 10, 50), Reason: "Pingdom: smtp down"},
		{Service: "smtp", Start: utc(2026, 11, 20, 10, 25), End: utc(2026, 11, 20, 10, 40), Reason: "the same, from the operator's log"},
		{Service: "smtp", Start: utc(2026, 11, 21, 8, 0).Add(30 * time.Second), End: utc(2026, 11, 21, 8, 4).Add(10 * time.Second), Reason: "seconds round out"},
	} {
		w.now = utc(2026, 11, 25, 0, 0)
		if _, err := w.svc.AddIncident(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	w.now = utc(2026, 11, 10, 0, 0) // announced ten days ahead
	if _, err := w.svc.AddMaintenance(ctx, sla.MaintenanceInput{Service: "smtp", Start: utc(2026, 11, 20, 10, 40), End: utc(2026, 11, 20, 11, 0), Reason: "kernel update"}); err != nil {
		t.Fatal(err)
	}
	w.now = utc(2026, 12, 5, 0, 0)
	f := w.month(2026, time.November, time.UTC)["smtp"]
	want := []string{"11-20 10:00 UTC–11-20 10:40 UTC 40 probe+incident", "11-21 08:00 UTC–11-21 08:05 UTC 5 incident"}
	if diff := cmp.Diff(want, outages(f.Downtime)); diff != "" {
		t.Errorf("downtime (-want +got):\n%s", diff)
	}
	if f.DowntimeMinutes != 45 || len(f.Incidents) != 3 {
		t.Errorf("%d minutes down, %d incidents", f.DowntimeMinutes, len(f.Incidents))
	}
	if len(f.Maintenance) != 1 {
		t.Fatalf("maintenance %+v", f.Maintenance)
	}
	m := f.Maintenance[0]
	if m.Counted || m.Minutes != 20 || m.DowntimeMinutes != 10 || m.Why != "excluded: announced 10d10h40m ahead (at least 5d); 20m of the 12h yearly cap used in 2026" {
		t.Errorf("window %+v", m)
	}
}

// A window announced too late, or beyond the yearly cap, is counted, and
// the report says why; the cap starts afresh each calendar year.
func TestMaintenanceNoticeAndCap(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, utc(2026, 1, 1, 0, 0), nil, smtp)
	// Down during every window, so each shows what it does to downtime.
	windows := []struct {
		start     time.Time
		hours     int
		announced time.Time
	}{
		{utc(2026, 3, 1, 0, 0), 8, utc(2026, 2, 1, 0, 0)},      // excluded: 8h of 12h
		{utc(2026, 11, 2, 0, 0), 3, utc(2026, 10, 1, 0, 0)},    // excluded: 11h
		{utc(2026, 11, 9, 0, 0), 2, utc(2026, 10, 1, 0, 0)},    // 13h > 12h: counted
		{utc(2026, 11, 16, 0, 0), 1, utc(2026, 10, 1, 0, 0)},   // 12h: excluded
		{utc(2026, 11, 23, 0, 0), 1, utc(2026, 11, 22, 22, 0)}, // announced 2h ahead: counted
		{utc(2026, 12, 31, 23, 0), 2, utc(2026, 12, 1, 0, 0)},  // cap used up in 2026: counted
		{utc(2027, 1, 4, 0, 0), 2, utc(2026, 12, 1, 0, 0)},     // a new year: excluded
	}
	var downs []time.Time
	for _, win := range windows {
		end := win.start.Add(time.Duration(win.hours) * time.Hour)
		downs = append(downs, win.start, end)
		w.now = win.announced
		if _, err := w.svc.AddMaintenance(ctx, sla.MaintenanceInput{Service: "smtp", Start: win.start, End: end, Announced: win.announced}); err != nil {
			t.Fatal(err)
		}
	}
	w.probe("mx1", utc(2026, 2, 20, 0, 0), utc(2027, 2, 1, 0, 0), during(downs...))
	w.now = utc(2027, 2, 1, 0, 0)
	nov := w.month(2026, time.November, time.UTC)["smtp"]
	type row struct {
		Counted bool
		Down    int64
		Why     string
	}
	var got []row
	for _, m := range nov.Maintenance {
		got = append(got, row{m.Counted, m.DowntimeMinutes, m.Why})
	}
	want := []row{
		{false, 180, "excluded: announced 32d ahead (at least 5d); 11h of the 12h yearly cap used in 2026"},
		{true, 120, "counted: with 11h already used in 2026, this 2h window exceeds the yearly maintenance cap of 12h"},
		{false, 60, "excluded: announced 46d ahead (at least 5d); 12h of the 12h yearly cap used in 2026"},
		{true, 60, "counted: announced 2h before its start; the SLA asks for 5d"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("November's windows (-want +got):\n%s", diff)
	}
	if nov.DowntimeMinutes != 180 {
		t.Errorf("November: %d minutes down, want the two counted windows' 180", nov.DowntimeMinutes)
	}
	dec, jan := w.month(2026, time.December, time.UTC)["smtp"], w.month(2027, time.January, time.UTC)["smtp"]
	if dec.DowntimeMinutes != 60 || len(dec.Maintenance) != 1 || !dec.Maintenance[0].Counted {
		t.Errorf("December: %d down, %+v", dec.DowntimeMinutes, dec.Maintenance)
	}
	// The window across the new year belongs to 2026's cap: counted, its
	// first hour of January too; the one of January 4th is excluded.
	if jan.DowntimeMinutes != 60 || len(jan.Maintenance) != 2 || !jan.Maintenance[0].Counted || jan.Maintenance[1].Counted {
		t.Errorf("January: %d down, %+v", jan.DowntimeMinutes, jan.Maintenance)
	}
}

// Outages shorter than the minimum do not count; one as long does.
func TestMinimumOutage(t *testing.T) {
	w := newWorld(t, utc(2026, 12, 5, 0, 0), func(p *sla.Policy) { p.MinOutage = 10 * time.Minute }, smtp)
	w.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0), during(
		utc(2026, 11, 5, 10, 0), utc(2026, 11, 5, 10, 9),
		utc(2026, 11, 6, 10, 0), utc(2026, 11, 6, 10, 10),
	))
	f := w.month(2026, time.November, time.UTC)["smtp"]
	if diff := cmp.Diff([]string{"11-06 10:00 UTC–11-06 10:10 UTC 10 probe"}, outages(f.Downtime)); diff != "" {
		t.Errorf("downtime (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"11-05 10:00 UTC–11-05 10:09 UTC 9 probe"}, outages(f.ShortOutages)); diff != "" {
		t.Errorf("short outages (-want +got):\n%s", diff)
	}
	// The default minimum (one minute) counts every down minute.
	w2 := newWorld(t, utc(2026, 12, 5, 0, 0), nil, smtp)
	w2.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0), during(utc(2026, 11, 5, 10, 0), utc(2026, 11, 5, 10, 1)))
	if f := w2.month(2026, time.November, time.UTC)["smtp"]; f.DowntimeMinutes != 1 {
		t.Errorf("default minimum: %d minutes down", f.DowntimeMinutes)
	}
}

// A service named only by an incident or a maintenance window appears,
// with no probe evidence: its minutes are unknown except the incident's.
func TestServicesNamedOnlyByIncidentsAndWindows(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, utc(2026, 11, 30, 0, 0), nil, smtp)
	w.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0), nil)
	if _, err := w.svc.AddIncident(ctx, sla.IncidentInput{Service: "webmail", Start: utc(2026, 11, 3, 9, 0), End: utc(2026, 11, 3, 9, 45)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AddMaintenance(ctx, sla.MaintenanceInput{Service: "pop3", Start: utc(2026, 11, 7, 1, 0), End: utc(2026, 11, 7, 2, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.AddIncident(ctx, sla.IncidentInput{Service: "imap", Start: utc(2026, 10, 3, 9, 0), End: utc(2026, 10, 3, 9, 45)}); err != nil {
		t.Fatal(err)
	}
	w.now = utc(2026, 12, 2, 0, 0)
	figs := w.month(2026, time.November, time.UTC)
	if _, ok := figs["imap"]; ok || len(figs) != 3 {
		t.Errorf("services %v: want pop3, smtp, webmail (imap's incident is in October)", figs)
	}
	if f := figs["webmail"]; f.DowntimeMinutes != 45 || f.UnknownMinutes != 43200-45 || f.Downtime[0].Cause != sla.CauseIncident {
		t.Errorf("webmail %+v", f)
	}
	if f := figs["pop3"]; len(f.Maintenance) != 1 || !f.Maintenance[0].Counted || f.UnknownMinutes != 43200 ||
		f.Maintenance[0].Why != "counted: announced 22d23h after its start; the SLA asks for 5d ahead" {
		t.Errorf("pop3: announced now for now, counted: %+v", f)
	}
}

// The month in progress is measured up to the current minute.
func TestMonthInProgress(t *testing.T) {
	w := newWorld(t, utc(2026, 11, 10, 12, 30), func(p *sla.Policy) { p.UnknownAsDown = true }, smtp)
	w.probe("mx1", utc(2026, 11, 1, 0, 0), utc(2026, 11, 10, 12, 30), nil)
	f := w.month(2026, time.November, time.UTC)["smtp"]
	if f.Minutes != 9*1440+12*60+30 || f.UptimePPM != 1_000_000 {
		t.Errorf("November so far: %d minutes, %d ppm", f.Minutes, f.UptimePPM)
	}
	// The minute in progress counts, with the checks made in it so far.
	w.now = w.now.Add(30 * time.Second)
	w.mem.AddChecks(sla.Check{Target: "mx1", At: w.now.Add(-10 * time.Second), Up: false})
	f = w.month(2026, time.November, time.UTC)["smtp"]
	if f.Minutes != 9*1440+12*60+31 || f.DowntimeMinutes != 1 || !f.Downtime[0].Start.Equal(utc(2026, 11, 10, 12, 30)) {
		t.Errorf("in the minute in progress: %d minutes, %d down", f.Minutes, f.DowntimeMinutes)
	}
}
