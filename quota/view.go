package quota

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/internal/periodic"
	"github.com/mailmeter/mailmeter/metering"
)

// OutboundWarnShare is the share of a daily outbound limit at which the
// outbound status turns to Warning (daily limits have no soft value).
const OutboundWarnShare = 0.8

// Report is a mailbox's quota picture, as a webmail quota bar shows it.
type Report struct {
	Mailbox       string
	Storage       Meter
	Messages      Meter
	OutBytes      Meter
	OutRecipients Meter
	Outbound      Status    // the worse of OutBytes and OutRecipients
	ResetsAt      time.Time // when the outbound day ends (UTC midnight)
	// The same for the UTC calendar month.
	MonthOutBytes      Meter
	MonthOutRecipients Meter
	OutboundMonth      Status
	MonthResetsAt      time.Time
	GraceUntil         time.Time // over the storage hard limit with a grace: mail is refused from then; else zero
	UpdatedAt          time.Time // when the usage was last refreshed or changed
}

// Mailboxes is the part of the directory quotas need.
type Mailboxes interface {
	// GetMailbox returns the active mailbox with the address, or NotFound.
	GetMailbox(ctx context.Context, address string) (directory.Mailbox, error)
	// ActiveAddresses returns the address of every active mailbox and the
	// name of every active domain, in canonical form.
	ActiveAddresses(ctx context.Context) (mailboxes, domains []string, err error)
}

// View holds every mailbox's current usage and limits, and the directory's
// active mailboxes and domains, in memory. It is fed by committed batches
// (Apply, a metering.Recorder's onCommit hook) and reloaded from the store
// by Refresh, so writes of other processes show up. Reads take a read lock
// and no I/O: an address that is not in the directory as of the last
// Refresh is unknown without a query (the directory snapshot is the
// view's negative cache, refreshed with it).
type View struct {
	store Store
	dir   Mailboxes
	now   func() time.Time

	mu        sync.RWMutex
	usage     map[string]Usage
	limits    map[string]Limits     // mailboxes' own limits
	plans     map[string]PlanLimits // by plan name
	planOf    map[string]string     // active mailboxes' plans
	mailboxes map[string]bool       // the directory's active mailboxes
	domains   map[string]bool       // the directory's active domains
	overSince map[string]time.Time  // when the view first saw storage at or over the hard limit
	updatedAt time.Time
	// refreshedAt is the end of the last successful Refresh.
	refreshedAt time.Time
}

// NewView returns an empty View; call Refresh to load it.
func NewView(store Store, dir Mailboxes, now func() time.Time) *View {
	return &View{store: store, dir: dir, now: now,
		usage: map[string]Usage{}, limits: map[string]Limits{}, plans: map[string]PlanLimits{}, planOf: map[string]string{},
		mailboxes: map[string]bool{}, domains: map[string]bool{}, overSince: map[string]time.Time{}}
}

// Sources of a mailbox's limits.
const (
	SourceMailbox = "mailbox" // its own
	SourcePlan    = "plan"    // its customer's plan's
	SourceNone    = "none"    // no limits
)

// limitsOf returns a mailbox's limits: its own, else its plan's. The
// caller holds mu.
func (v *View) limitsOf(mailbox string) (Limits, string) {
	if l, ok := v.limits[mailbox]; ok {
		return l, SourceMailbox
	}
	if p, ok := v.plans[v.planOf[mailbox]]; ok {
		l := p.Limits
		l.Mailbox = mailbox
		return l, SourcePlan
	}
	return Limits{Mailbox: mailbox}, SourceNone
}

// Limits returns a mailbox's limits as they apply, where they come from
// (SourceMailbox, SourcePlan or SourceNone) and its plan.
func (v *View) Limits(mailbox string) (Limits, string, string) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l, src := v.limitsOf(mailbox)
	return l, src, v.planOf[mailbox]
}

// day returns the UTC midnight of t.
func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// Refresh reloads usage and limits from the store. A batch applied while
// Refresh reads may be missing until the next Refresh.
func (v *View) Refresh(ctx context.Context) error {
	today := day(v.now())
	us, err := v.store.CurrentUsage(ctx, today)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	ls, err := v.store.ListLimits(ctx)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	usage := make(map[string]Usage, len(us))
	for _, u := range us {
		u.Day, u.Month = today, metering.Month(today)
		usage[u.Mailbox] = u
	}
	limits := make(map[string]Limits, len(ls))
	for _, l := range ls {
		limits[l.Mailbox] = l
	}
	ps, err := v.store.ListPlanLimits(ctx)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	plans := make(map[string]PlanLimits, len(ps))
	for _, p := range ps {
		plans[p.Plan] = p
	}
	planOf, err := v.store.MailboxPlans(ctx)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	shared, err := v.store.OverSince(ctx)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	mailboxes, domains, err := v.directory(ctx)
	if err != nil {
		return fmt.Errorf("refresh quota view: %w", err)
	}
	v.mu.Lock()
	v.usage, v.limits, v.plans, v.planOf, v.updatedAt = usage, limits, plans, planOf, v.now().UTC()
	v.refreshedAt = v.updatedAt
	v.mailboxes, v.domains = mailboxes, domains
	for m := range v.overSince {
		v.trackOver(m)
	}
	for m := range usage {
		v.trackOver(m)
	}
	v.adoptShared(shared)
	v.mu.Unlock()
	return nil
}

// RefreshedAt returns when the view was last reloaded from the store (zero
// before its first Refresh): writes of other processes, and limits, are as
// old as that.
func (v *View) RefreshedAt() time.Time {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.refreshedAt
}

// directory reads the directory's active mailboxes and domains as sets.
func (v *View) directory(ctx context.Context) (mailboxes, domains map[string]bool, err error) {
	ms, ds, err := v.dir.ActiveAddresses(ctx)
	if err != nil {
		return nil, nil, err
	}
	mailboxes, domains = make(map[string]bool, len(ms)), make(map[string]bool, len(ds))
	for _, m := range ms {
		mailboxes[m] = true
	}
	for _, d := range ds {
		domains[d] = true
	}
	return mailboxes, domains, nil
}

// HostsDomain reports whether the directory had the (canonical) domain at
// the last Refresh.
func (v *View) HostsDomain(domain string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.domains[domain]
}

// Known adds a mailbox the caller found in the directory since the last
// Refresh, so the view knows it before the next.
func (v *View) Known(mailbox string) {
	v.mu.Lock()
	v.mailboxes[mailbox] = true
	v.mu.Unlock()
}

// adoptShared takes the recorded start of a grace for every mailbox the
// view sees over its limit: the record, kept by all processes, wins over
// what this view remembers (it may have missed a dip below the limit). The
// caller holds mu.
func (v *View) adoptShared(shared map[string]time.Time) {
	for m, since := range shared {
		if _, ok := v.overSince[m]; ok {
			v.overSince[m] = since.UTC()
		}
	}
}

// SyncGrace shares the view's grace starts through the store: a mailbox
// the view sees over its hard limit is recorded unless it is already (the
// record then wins), one it sees below is cleared. Run by every process, it
// makes them agree on when each grace ends.
func (v *View) SyncGrace(ctx context.Context) error {
	shared, err := v.store.OverSince(ctx)
	if err != nil {
		return err
	}
	v.mu.RLock()
	own := make(map[string]time.Time, len(v.overSince))
	for m, t := range v.overSince {
		own[m] = t
	}
	v.mu.RUnlock()
	for m, t := range own {
		if _, ok := shared[m]; ok {
			continue
		}
		stored, err := v.store.MarkOver(ctx, m, t)
		if err != nil {
			return err
		}
		shared[m] = stored
	}
	for m := range shared {
		if _, ok := own[m]; ok {
			continue
		}
		v.mu.RLock()
		over := v.isOver(m)
		v.mu.RUnlock()
		if !over {
			if err := v.store.ClearOver(ctx, m); err != nil {
				return err
			}
			delete(shared, m)
		}
	}
	v.mu.Lock()
	v.adoptShared(shared)
	v.mu.Unlock()
	return nil
}

// trackOver notes when a mailbox's storage reaches its hard limit and
// forgets it once it is below. The caller holds mu. The moment is the
// view's until SyncGrace or Refresh brings an earlier shared one.
func (v *View) trackOver(mailbox string) {
	over := v.isOver(mailbox)
	if _, seen := v.overSince[mailbox]; over && !seen {
		v.overSince[mailbox] = v.now().UTC()
	} else if !over && seen {
		delete(v.overSince, mailbox)
	}
}

// isOver reports whether a mailbox's storage is at or over its hard
// limit. The caller holds mu.
func (v *View) isOver(mailbox string) bool {
	l, _ := v.limitsOf(mailbox)
	return Measure(v.usage[mailbox].StorageBytes, l.StorageSoft, l.StorageHard).Status == Over
}

// Follow refreshes the view on every tick and after every value from
// changes (another process committed usage or limits), at most once a
// second, until ctx ends, reporting errors to onErr (which may be nil).
func (v *View) Follow(ctx context.Context, tick <-chan time.Time, changes <-chan struct{}, onErr func(error)) {
	periodic.Follow(ctx, tick, changes, time.Second, v.Refresh, onErr)
}

// Apply adds a committed batch: the newest mailbox-total storage gauges and
// today's outbound counters. It is a metering.Recorder onCommit hook.
func (v *View) Apply(b metering.Batch) {
	today := day(v.now())
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range b.Counters {
		if (c.Metric != metering.OutBytes && c.Metric != metering.OutRecipients) || !metering.Month(c.Hour).Equal(metering.Month(today)) || c.Hour.After(today.Add(24*time.Hour)) {
			continue
		}
		u := v.current(c.Mailbox, today)
		isToday := day(c.Hour).Equal(today)
		if c.Metric == metering.OutBytes {
			u.MonthOutBytes += c.Value
			if isToday {
				u.OutBytes += c.Value
			}
		} else {
			u.MonthOutRecipients += c.Value
			if isToday {
				u.OutRecipients += c.Value
			}
		}
		v.usage[c.Mailbox] = u
	}
	for _, g := range b.Gauges {
		if g.Folder != "" || !g.Metric.IsGauge() {
			continue
		}
		u := v.current(g.Mailbox, today)
		if g.Hour.Before(u.StorageHour) {
			continue
		}
		u.StorageHour = g.Hour
		if g.Metric == metering.StorageBytes {
			u.StorageBytes = g.Last
		} else {
			u.StorageMessages = g.Last
		}
		v.usage[g.Mailbox] = u
		v.trackOver(g.Mailbox)
	}
	v.updatedAt = v.now().UTC()
}

// current returns a mailbox's usage with outbound figures reset if they
// belong to an earlier day. The caller holds mu.
func (v *View) current(mailbox string, today time.Time) Usage {
	u, ok := v.usage[mailbox]
	if !ok {
		u = Usage{Mailbox: mailbox}
	}
	return fresh(u, today)
}

// fresh zeroes outbound figures of an earlier day or month.
func fresh(u Usage, today time.Time) Usage {
	if !u.Day.Equal(today) {
		u.Day, u.OutBytes, u.OutRecipients = today, 0, 0
	}
	if m := metering.Month(today); !u.Month.Equal(m) {
		u.Month, u.MonthOutBytes, u.MonthOutRecipients = m, 0, 0
	}
	return u
}

// SetPlanLimits replaces a plan's limits in the view (after the store).
func (v *View) SetPlanLimits(p PlanLimits) {
	v.mu.Lock()
	v.plans[p.Plan] = p
	for m, plan := range v.planOf {
		if plan == p.Plan {
			v.trackOver(m)
		}
	}
	v.mu.Unlock()
}

// DeleteLimits drops a mailbox's own limits from the view (after the
// store): its plan's apply.
func (v *View) DeleteLimits(mailbox string) {
	v.mu.Lock()
	delete(v.limits, mailbox)
	v.trackOver(mailbox)
	v.mu.Unlock()
}

// SetLimits replaces a mailbox's limits in the view (after the store).
func (v *View) SetLimits(l Limits) {
	v.mu.Lock()
	v.limits[l.Mailbox] = l
	v.trackOver(l.Mailbox)
	v.mu.Unlock()
}

// Report returns a mailbox's quota picture from memory, without I/O. It
// returns NotFound for a mailbox with no usage, no limits and no entry in
// the directory as of the last Refresh (or Known).
func (v *View) Report(_ context.Context, mailbox string) (Report, error) {
	today := day(v.now())
	v.mu.RLock()
	u, hasUsage := v.usage[mailbox]
	l, src := v.limitsOf(mailbox)
	hasLimits := src != SourceNone
	known, at := v.mailboxes[mailbox], v.updatedAt
	overSince, over := v.overSince[mailbox]
	v.mu.RUnlock()
	if !hasUsage && !hasLimits && !known {
		return Report{}, metering.Errorf(metering.NotFound, "mailbox %s does not exist", mailbox)
	}
	return evaluate(mailbox, u, l, today, at, overSince, over), nil
}

// evaluate is Evaluate for the view: outbound figures of an earlier day
// count as zero, and the grace runs from when the view saw the mailbox
// over its hard limit.
func evaluate(mailbox string, u Usage, l Limits, today, at, overSince time.Time, over bool) Report {
	r := Evaluate(mailbox, fresh(u, today), l, today, at)
	if over && l.Grace > 0 {
		r.GraceUntil = overSince.Add(l.Grace)
	}
	return r
}

// LimitedReports returns the quota picture of every mailbox with limits,
// from memory, in address order.
func (v *View) LimitedReports() []Report {
	today := day(v.now())
	v.mu.RLock()
	out := make([]Report, 0, len(v.limits))
	add := func(m string) {
		l, _ := v.limitsOf(m)
		since, over := v.overSince[m]
		out = append(out, evaluate(m, v.usage[m], l, today, v.updatedAt, since, over))
	}
	for m := range v.limits {
		add(m)
	}
	for m, plan := range v.planOf {
		if _, own := v.limits[m]; !own {
			if _, ok := v.plans[plan]; ok {
				add(m)
			}
		}
	}
	v.mu.RUnlock()
	slices.SortFunc(out, func(a, b Report) int { return strings.Compare(a.Mailbox, b.Mailbox) })
	return out
}

// Evaluate puts a usage against limits; today is the UTC day outbound
// figures count for.
func Evaluate(mailbox string, u Usage, l Limits, today, updatedAt time.Time) Report {
	r := Report{
		Mailbox:            mailbox,
		Storage:            Measure(u.StorageBytes, l.StorageSoft, l.StorageHard),
		Messages:           Measure(u.StorageMessages, l.MessagesSoft, l.MessagesHard),
		OutBytes:           Measure(u.OutBytes, warnAt(l.OutBytesPerDay), l.OutBytesPerDay),
		OutRecipients:      Measure(u.OutRecipients, warnAt(l.OutRecipientsPerDay), l.OutRecipientsPerDay),
		ResetsAt:           today.Add(24 * time.Hour),
		MonthOutBytes:      Measure(u.MonthOutBytes, warnAt(l.OutBytesPerMonth), l.OutBytesPerMonth),
		MonthOutRecipients: Measure(u.MonthOutRecipients, warnAt(l.OutRecipientsPerMonth), l.OutRecipientsPerMonth),
		MonthResetsAt:      metering.Month(today).AddDate(0, 1, 0),
		UpdatedAt:          updatedAt,
	}
	r.Outbound = Worst(r.OutBytes.Status, r.OutRecipients.Status)
	r.OutboundMonth = Worst(r.MonthOutBytes.Status, r.MonthOutRecipients.Status)
	return r
}

func warnAt(limit int64) int64 { return int64(float64(limit) * OutboundWarnShare) }
