package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

func TestWindowInputs(t *testing.T) {
	now := utc(2026, 11, 10, 12, 0)
	ok := sla.IncidentInput{Service: "smtp", Start: utc(2026, 11, 10, 9, 0).Add(1500 * time.Millisecond), End: utc(2026, 11, 10, 10, 0), Reason: "Pingdom"}
	inc, err := ok.Validate(now)
	if err != nil || !inc.Start.Equal(utc(2026, 11, 10, 9, 0).Add(time.Second)) || !inc.CreatedAt.Equal(now) {
		t.Errorf("valid incident: %+v, %v", inc, err)
	}
	for _, tt := range []struct {
		in    sla.IncidentInput
		field string
	}{
		{sla.IncidentInput{Service: "", Start: ok.Start, End: ok.End}, "service"},
		{sla.IncidentInput{Service: "smtp", End: ok.End}, "start"},
		{sla.IncidentInput{Service: "smtp", Start: ok.Start}, "end"},
		{sla.IncidentInput{Service: "smtp", Start: ok.End, End: ok.Start}, "end"},
		{sla.IncidentInput{Service: "smtp", Start: ok.Start, End: ok.Start.Add(367 * 24 * time.Hour)}, "end"},
		{sla.IncidentInput{Service: "smtp", Start: now.Add(time.Minute), End: now.Add(time.Hour)}, "start"},
		{sla.IncidentInput{Service: "smtp", Start: ok.Start, End: ok.End, Reason: "a\x00b"}, "reason"},
		{sla.IncidentInput{Service: "smtp", Start: ok.Start, End: ok.End, Reason: strings.Repeat("x", 501)}, "reason"},
		{sla.IncidentInput{Service: "smtp", Start: ok.Start, End: ok.End, Reason: "\xff"}, "reason"},
	} {
		if _, err := tt.in.Validate(now); metering.FieldOf(err) != tt.field || metering.KindOf(err) != metering.Invalid {
			t.Errorf("%+v: %v, want Invalid naming %s", tt.in, err, tt.field)
		}
	}
	m, err := sla.MaintenanceInput{Service: "smtp", Start: now.Add(24 * time.Hour), End: now.Add(25 * time.Hour)}.Validate(now)
	if err != nil || !m.Announced.Equal(now) {
		t.Errorf("announced defaults to now: %+v, %v", m, err)
	}
	if _, err := (sla.MaintenanceInput{Service: "smtp", Start: now, End: now.Add(time.Hour), Announced: now.Add(2 * time.Minute)}).Validate(now); metering.FieldOf(err) != "announced" {
		t.Errorf("announced in the future: %v", err)
	}
}
