package quota_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

func TestMeasure(t *testing.T) {
	tests := []struct {
		used, soft, hard int64
		want             quota.Meter
	}{
		{5, 0, 0, quota.Meter{Used: 5, Status: quota.OK}},
		{79, 80, 100, quota.Meter{Used: 79, Soft: 80, Hard: 100, Percent: 79, Status: quota.OK}},
		{80, 80, 100, quota.Meter{Used: 80, Soft: 80, Hard: 100, Percent: 80, Status: quota.Warning}},
		{100, 80, 100, quota.Meter{Used: 100, Soft: 80, Hard: 100, Percent: 100, Status: quota.Over}},
		{150, 80, 100, quota.Meter{Used: 150, Soft: 80, Hard: 100, Percent: 150, Status: quota.Over}},
		{1, 3, 0, quota.Meter{Used: 1, Soft: 3, Percent: 33.3, Status: quota.OK}},
		{3, 3, 0, quota.Meter{Used: 3, Soft: 3, Percent: 100, Status: quota.Warning}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, quota.Measure(tt.used, tt.soft, tt.hard)); diff != "" {
			t.Errorf("Measure(%d, %d, %d) (-want +got):\n%s", tt.used, tt.soft, tt.hard, diff)
		}
	}
	if quota.Worst(quota.Warning, quota.OK) != quota.Warning || quota.Worst(quota.Warning, quota.Over) != quota.Over {
		t.Error("Worst")
	}
}

func TestLimitsValidate(t *testing.T) {
	now := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		in    quota.LimitsInput
		field string
	}{
		{"ok", quota.LimitsInput{Mailbox: "A@x.example", StorageSoft: 1, StorageHard: 2, GraceSeconds: 60}, ""},
		{"soft only", quota.LimitsInput{Mailbox: "a@x.example", StorageSoft: 10}, ""},
		{"hard below soft", quota.LimitsInput{Mailbox: "a@x.example", StorageSoft: 10, StorageHard: 5}, "storage_hard_bytes"},
		{"messages hard below soft", quota.LimitsInput{Mailbox: "a@x.example", MessagesSoft: 10, MessagesHard: 5}, "messages_hard"},
		{"negative", quota.LimitsInput{Mailbox: "a@x.example", OutBytesPerDay: -1}, "outbound_bytes_per_day"},
		{"negative grace", quota.LimitsInput{Mailbox: "a@x.example", GraceSeconds: -1}, "grace_seconds"},
		{"bad address", quota.LimitsInput{Mailbox: "nope"}, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := tt.in.Validate(now)
			if got := metering.FieldOf(err); got != tt.field || (tt.field != "") != (err != nil) {
				t.Fatalf("err %v (field %q), want field %q", err, got, tt.field)
			}
			if err == nil && (l.Mailbox != "a@x.example" || l.UpdatedAt != now) {
				t.Errorf("limits %+v", l)
			}
		})
	}
}

// fakeStore is an in-memory quota.Store.
type fakeStore struct {
	usage  []quota.Usage
	limits map[string]quota.Limits
}

func (f *fakeStore) GetLimits(_ context.Context, m string) (quota.Limits, error) {
	if l, ok := f.limits[m]; ok {
		return l, nil
	}
	return quota.Limits{}, metering.Errorf(metering.NotFound, "no limits")
}
func (f *fakeStore) PutLimits(_ context.Context, l quota.Limits) error {
	f.limits[l.Mailbox] = l
	return nil
}
func (f *fakeStore) ListLimits(context.Context) ([]quota.Limits, error) {
	var out []quota.Limits
	for _, l := range f.limits {
		out = append(out, l)
	}
	return out, nil
}
func (f *fakeStore) CurrentUsage(context.Context, time.Time) ([]quota.Usage, error) {
	return f.usage, nil
}
func (f *fakeStore) DeleteLimits(_ context.Context, m string) error {
	delete(f.limits, m)
	return nil
}
func (f *fakeStore) GetPlanLimits(context.Context, string) (quota.PlanLimits, error) {
	return quota.PlanLimits{}, metering.Errorf(metering.NotFound, "no plans")
}
func (f *fakeStore) PutPlanLimits(context.Context, quota.PlanLimits) error      { return nil }
func (f *fakeStore) ListPlanLimits(context.Context) ([]quota.PlanLimits, error) { return nil, nil }
func (f *fakeStore) MailboxPlans(context.Context) (map[string]string, error)    { return nil, nil }
func (f *fakeStore) OverSince(context.Context) (map[string]time.Time, error)    { return nil, nil }
func (f *fakeStore) MarkOver(_ context.Context, _ string, t time.Time) (time.Time, error) {
	return t, nil
}
func (f *fakeStore) ClearOver(context.Context, string) error { return nil }

type fakeDir map[string]bool

func (d fakeDir) GetMailbox(_ context.Context, a string) (directory.Mailbox, error) {
	if d[a] {
		return directory.Mailbox{Address: a}, nil
	}
	return directory.Mailbox{}, metering.Errorf(metering.NotFound, "mailbox %s does not exist", a)
}
func (d fakeDir) ActiveAddresses(context.Context) (mailboxes, domains []string, err error) {
	for a, ok := range d {
		if ok {
			mailboxes = append(mailboxes, a)
			domains = append(domains, metering.DomainOf(a))
		}
	}
	return mailboxes, domains, nil
}

func TestViewApplyRefreshAndDayRollover(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 10, 23, 0, 0, 0, time.UTC)
	st := &fakeStore{limits: map[string]quota.Limits{"a@x.example": {Mailbox: "a@x.example", StorageHard: 1000, OutBytesPerDay: 100}},
		usage: []quota.Usage{{Mailbox: "a@x.example", StorageBytes: 400, OutBytes: 50}}}
	v := quota.NewView(st, fakeDir{"b@x.example": true}, func() time.Time { return now })
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := v.Report(ctx, "a@x.example")
	if err != nil || r.Storage.Used != 400 || r.Storage.Percent != 40 || r.OutBytes.Used != 50 || r.Outbound != quota.OK {
		t.Fatalf("after refresh: %+v, %v", r, err)
	}
	hour := metering.Hour(now)
	v.Apply(metering.Batch{
		Counters: []metering.CounterDelta{
			{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: hour, Value: 40},
			{Mailbox: "a@x.example", Metric: metering.OutBytes, Hour: hour.Add(-24 * time.Hour), Value: 999}, // yesterday
			{Mailbox: "a@x.example", Metric: metering.InBytes, Hour: hour, Value: 999},                       // not a quota metric
		},
		Gauges: []metering.GaugeDelta{
			{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: hour, Last: 1200},
			{Mailbox: "a@x.example", Folder: "Sent", Metric: metering.StorageBytes, Hour: hour, Last: 5},     // a folder
			{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: hour.Add(-5 * time.Hour), Last: 1}, // older
			{Mailbox: "a@x.example", Metric: metering.StorageMessages, Hour: hour, Last: 12},
		},
	})
	r, _ = v.Report(ctx, "a@x.example")
	if r.Storage.Used != 1200 || r.Storage.Status != quota.Over || r.Messages.Used != 12 || r.OutBytes.Used != 90 || r.Outbound != quota.Warning {
		t.Fatalf("after apply: %+v", r)
	}
	now = now.Add(2 * time.Hour) // the next UTC day
	r, _ = v.Report(ctx, "a@x.example")
	if r.OutBytes.Used != 0 || r.Storage.Used != 1200 || !r.ResetsAt.Equal(time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("next day: %+v", r)
	}
	if r, err := v.Report(ctx, "b@x.example"); err != nil || r.Storage.Status != quota.OK {
		t.Errorf("mailbox without usage: %+v, %v", r, err)
	}
	if _, err := v.Report(ctx, "ghost@x.example"); metering.KindOf(err) != metering.NotFound {
		t.Errorf("unknown mailbox: %v", err)
	}
}

func TestServiceSetLimits(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC) }
	st := &fakeStore{limits: map[string]quota.Limits{}}
	dir := fakeDir{"a@x.example": true}
	v := quota.NewView(st, dir, now)
	svc := quota.NewService(st, v, dir, now)
	if _, err := svc.SetLimits(ctx, quota.LimitsInput{Mailbox: "ghost@x.example"}); metering.KindOf(err) != metering.NotFound {
		t.Errorf("limits of an unknown mailbox: %v", err)
	}
	if _, err := svc.SetLimits(ctx, quota.LimitsInput{Mailbox: "a@x.example", MessagesHard: 10}); err != nil {
		t.Fatal(err)
	}
	if r, _ := svc.Quota(ctx, "a@x.example"); r.Messages.Hard != 10 {
		t.Errorf("the view did not see new limits: %+v", r.Messages)
	}
	if l, err := svc.Limits(ctx, "a@x.example"); err != nil || l.MessagesHard != 10 {
		t.Errorf("Limits = %+v, %v", l, err)
	}
}

func TestGraceAfterHardLimit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 10, 8, 0, 0, 0, time.UTC)
	st := &fakeStore{limits: map[string]quota.Limits{"a@x.example": {Mailbox: "a@x.example", StorageHard: 1000, Grace: time.Hour}}}
	v := quota.NewView(st, fakeDir{}, func() time.Time { return now })
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	store := func(bytes int64) {
		v.Apply(metering.Batch{Gauges: []metering.GaugeDelta{{Mailbox: "a@x.example", Metric: metering.StorageBytes, Hour: metering.Hour(now), Last: bytes}}})
	}
	store(1000)
	crossed := now
	now = now.Add(20 * time.Minute)
	store(1100)
	r, _ := v.Report(ctx, "a@x.example")
	if r.Storage.Status != quota.Over || !r.GraceUntil.Equal(crossed.Add(time.Hour)) {
		t.Errorf("over: status %s, grace until %s; want over until %s", r.Storage.Status, r.GraceUntil, crossed.Add(time.Hour))
	}
	if err := v.Refresh(ctx); err != nil { // the store still says 0 bytes: below again
		t.Fatal(err)
	}
	if r, _ := v.Report(ctx, "a@x.example"); !r.GraceUntil.IsZero() {
		t.Errorf("below the limit, grace until %s", r.GraceUntil)
	}
	now = now.Add(time.Hour)
	store(2000)
	if r, _ := v.Report(ctx, "a@x.example"); !r.GraceUntil.Equal(now.Add(time.Hour)) {
		t.Errorf("second crossing: grace until %s, want %s", r.GraceUntil, now.Add(time.Hour))
	}
}

// Follow reloads the view when another process announces a change.
func TestViewFollowsChanges(t *testing.T) {
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	st := &fakeStore{limits: map[string]quota.Limits{"a@x.example": {Mailbox: "a@x.example", StorageHard: 1000}},
		usage: []quota.Usage{{Mailbox: "a@x.example", StorageBytes: 400}}}
	v := quota.NewView(st, fakeDir{"a@x.example": true}, func() time.Time { return now })
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.usage = []quota.Usage{{Mailbox: "a@x.example", StorageBytes: 700}} // committed elsewhere
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); v.Follow(ctx, nil, changes, nil) }()
	changes <- struct{}{} // the announcement
	changes <- struct{}{} // taken once the reload it caused is done
	cancel()
	<-done
	if r, err := v.Report(context.Background(), "a@x.example"); err != nil || r.Storage.Used != 700 {
		t.Errorf("after the change: %+v, %v; want 700 bytes used", r.Storage, err)
	}
}
