package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/sla"
)

func terms(t *testing.T, services ...sla.ServiceTerms) sla.Terms {
	t.Helper()
	tm := sla.Terms{Services: services, LatencyTarget: time.Minute, LatencySharePPM: 900000, LatencyCreditBP: 500}
	if err := tm.Validate(); err != nil {
		t.Fatal(err)
	}
	return tm
}

func preset(t *testing.T, name, service string) sla.ServiceTerms {
	t.Helper()
	p, err := sla.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	p.Service = service
	return p
}

// The published presets credit 25/50/100 % and 10/25/100 % below 99.9,
// 99 and 95 %.
func TestPresets(t *testing.T) {
	for _, tt := range []struct {
		preset string
		uptime int64
		want   int64
	}{
		{"credits-25-50-100", 999000, 0}, {"credits-25-50-100", 998999, 2500}, {"credits-25-50-100", 989999, 5000},
		{"credits-25-50-100", 949999, 10000}, {"credits-10-25-100", 999500, 0}, {"credits-10-25-100", 990000, 1000},
		{"credits-10-25-100", 950000, 2500}, {"credits-10-25-100", 0, 10000},
	} {
		if got := preset(t, tt.preset, "smtp").CreditBP(tt.uptime); got != tt.want {
			t.Errorf("%s at %d ppm: %d bp, want %d", tt.preset, tt.uptime, got, tt.want)
		}
	}
	if _, err := sla.Preset("gold"); err == nil || !strings.Contains(err.Error(), "credits-10-25-100") {
		t.Errorf("unknown preset: %v", err)
	}
	// A copy: editing a plan's tiers leaves the preset alone.
	p := preset(t, "credits-25-50-100", "smtp")
	p.Tiers[0].CreditBP = 1
	if sla.Presets["credits-25-50-100"].Tiers[0].CreditBP != 2500 {
		t.Error("editing a plan's tiers changed the preset")
	}
}

// Each covered service earns its tiers' credit and the largest applies;
// services the plan does not cover earn nothing; latency adds; the cap and
// all of the fees bound the total.
func TestCredit(t *testing.T) {
	figs := []sla.Figures{
		{Service: "imap", UptimePPM: 985000, DowntimeMinutes: 648, Downtime: []sla.Outage{{Minutes: 648, Cause: sla.CauseProbe}}},
		{Service: "smtp", UptimePPM: 998000, DowntimeMinutes: 86},
		{Service: "webmail", UptimePPM: 900000},
	}
	tm := terms(t, preset(t, "credits-10-25-100", "smtp"), preset(t, "credits-25-50-100", "imap"))
	c := tm.Credit(figs, 1000, 950)
	if c.Service != "imap" || c.AvailabilityCreditBP != 5000 || c.CreditBP != 5000 || len(c.Services) != 2 || !c.LatencyMet {
		t.Errorf("credit %+v", c)
	}
	if s := c.Services[1]; s.Service != "smtp" || s.CreditBP != 1000 || s.Met || s.TargetPPM != 999000 || s.DowntimeMinutes != 86 || s.Downtime == nil {
		t.Errorf("smtp %+v", s)
	}
	// Latency missed: 500 more; with a cap of 2000 the total is 2000.
	if c := tm.Credit(figs, 1000, 800); c.LatencyCreditBP != 500 || c.CreditBP != 5500 || c.LatencySharePPM != 800000 {
		t.Errorf("latency missed %+v", c)
	}
	tm.CapBP = 2000
	if c := tm.Credit(figs, 1000, 800); c.CreditBP != 2000 {
		t.Errorf("capped %+v", c)
	}
	// Plan-wide terms cover every service not named.
	all := terms(t, sla.ServiceTerms{TargetPPM: 999000, Tiers: []sla.Tier{{999000, 1000}, {950000, 10000}}})
	if c := all.Credit(figs, 0, 0); c.Service != "webmail" || c.CreditBP != 10000 || len(c.Services) != 3 || c.LatencySharePPM != 1_000_000 {
		t.Errorf("plan-wide %+v", c)
	}
	// Never more than all of the fees.
	all.LatencySharePPM, all.LatencyCreditBP = 900000, 5000
	if c := all.Credit(figs, 10, 1); c.CreditBP != 10000 {
		t.Errorf("over 100 %%: %+v", c)
	}
}

func TestTermsValidate(t *testing.T) {
	for _, tt := range []struct {
		tm   sla.Terms
		want string
	}{
		{sla.Terms{Services: []sla.ServiceTerms{{Service: "smtp"}, {Service: "smtp"}}}, "named twice"},
		{sla.Terms{Services: []sla.ServiceTerms{{Service: "smtp", TargetPPM: 2e6}}}, "parts per million"},
		{sla.Terms{Services: []sla.ServiceTerms{{Service: "smtp", Tiers: []sla.Tier{{0, 100}}}}}, "tier 0"},
		{sla.Terms{Services: []sla.ServiceTerms{{Service: "Bad Name"}}}, "lower-case"},
	} {
		if err := tt.tm.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.tm, err, tt.want)
		}
	}
}
