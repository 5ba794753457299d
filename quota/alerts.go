package quota

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mailmeter/mailmeter/internal/periodic"
)

// Meters a threshold warning can be about.
const (
	MeterStorage       = "storage"
	MeterMessages      = "messages"
	MeterOutBytes      = "out_bytes"
	MeterOutRecipients = "out_recipients"
	// Calendar-month outbound meters.
	MeterOutBytesMonth      = "out_bytes_month"
	MeterOutRecipientsMonth = "out_recipients_month"
)

// DefaultThresholds are the percentages of a limit that warn.
var DefaultThresholds = []int{80, 90, 100}

// AlertKey names one meter of one mailbox.
type AlertKey struct {
	Mailbox string
	Meter   string
}

// Crossing is a meter reaching a higher threshold: the event a warning
// reports.
type Crossing struct {
	AlertKey
	Level   int     // the threshold reached, percent of Limit
	Used    int64   // usage when it was seen
	Limit   int64   // the limit the percentage is of (hard, else soft)
	Percent float64 // Used against Limit
	At      time.Time
}

// EventKind is the type of the webhook event of a crossing.
const EventKind = "quota.threshold_crossed"

// Payload is the JSON body of the webhook event of a crossing.
func (c Crossing) Payload() ([]byte, error) {
	return json.Marshal(struct {
		Type      string  `json:"type"`
		Mailbox   string  `json:"mailbox"`
		Meter     string  `json:"meter"`
		Threshold int     `json:"threshold_percent"`
		Used      int64   `json:"used"`
		Limit     int64   `json:"limit"`
		Percent   float64 `json:"percent"`
		At        string  `json:"at"`
	}{EventKind, c.Mailbox, c.Meter, c.Level, c.Used, c.Limit, c.Percent, c.At.UTC().Format(time.RFC3339)})
}

// AlertStore keeps the levels reached and the events to deliver.
type AlertStore interface {
	// AlertLevels returns every stored level.
	AlertLevels(ctx context.Context) (map[AlertKey]int, error)
	// RaiseAlert stores c.Level if the stored level of its key is lower
	// (compare-and-set) and then, if event is not nil, queues the event,
	// in one transaction. It returns whether it raised the level and the
	// level stored afterwards.
	RaiseAlert(ctx context.Context, c Crossing, event []byte) (raised bool, stored int, err error)
	// LowerAlert stores level if the stored one is higher.
	LowerAlert(ctx context.Context, key AlertKey, level int, at time.Time) error
}

// Alerter warns once per crossing when a meter of a mailbox with limits
// reaches a higher threshold: usage falling below a threshold re-arms it
// (daily outbound meters fall at midnight). Each crossing is logged and,
// when Queue is set, queued for the webhook. Several processes may run
// one; the stored compare-and-set lets one of them record each crossing
// (a process whose view lags may re-arm a threshold early, so a crossing
// can be reported twice: webhook consumers must accept repeats).
type Alerter struct {
	view       *View
	store      AlertStore
	thresholds []int
	queue      bool
	log        *slog.Logger
	now        func() time.Time
	levels     map[AlertKey]int // as this process last saw them
}

// NewAlerter returns an Alerter over view; thresholds are percentages
// (DefaultThresholds when empty); queue says whether crossings are queued
// as webhook events.
func NewAlerter(view *View, store AlertStore, thresholds []int, queue bool, log *slog.Logger, now func() time.Time) *Alerter {
	if len(thresholds) == 0 {
		thresholds = DefaultThresholds
	}
	ts := slices.Clone(thresholds)
	slices.Sort(ts)
	return &Alerter{view: view, store: store, thresholds: slices.Compact(ts), queue: queue, log: log, now: now}
}

// ValidateThresholds checks configured thresholds: 1 to 1000 percent.
func ValidateThresholds(ts []int) error {
	for _, t := range ts {
		if t < 1 || t > 1000 {
			return fmt.Errorf("threshold %d%%: want 1 to 1000", t)
		}
	}
	return nil
}

// Level returns the highest threshold a meter has reached (0 if none or
// the meter has no limit).
func Level(m Meter, thresholds []int) int {
	if m.Limit() <= 0 {
		return 0
	}
	level := 0
	for _, t := range thresholds {
		// Used/Limit ≥ t% in integers, not the rounded Percent.
		if m.Used*100 >= int64(t)*m.Limit() {
			level = t
		}
	}
	return level
}

// meters lists a report's meters by name.
func meters(r Report) map[string]Meter {
	return map[string]Meter{MeterStorage: r.Storage, MeterMessages: r.Messages,
		MeterOutBytes: r.OutBytes, MeterOutRecipients: r.OutRecipients,
		MeterOutBytesMonth: r.MonthOutBytes, MeterOutRecipientsMonth: r.MonthOutRecipients}
}

// Check compares every limited mailbox's meters with the levels last seen
// and records the changes. It returns the crossings it reported.
func (a *Alerter) Check(ctx context.Context) ([]Crossing, error) {
	if a.levels == nil {
		levels, err := a.store.AlertLevels(ctx)
		if err != nil {
			return nil, fmt.Errorf("load quota alert levels: %w", err)
		}
		a.levels = levels
	}
	now := a.now().UTC()
	var out []Crossing
	for _, r := range a.view.LimitedReports() {
		for name, m := range meters(r) {
			key := AlertKey{r.Mailbox, name}
			level, seen := Level(m, a.thresholds), a.levels[key]
			switch {
			case level > seen:
				c := Crossing{AlertKey: key, Level: level, Used: m.Used, Limit: m.Limit(), Percent: m.Percent, At: now}
				var event []byte
				if a.queue {
					b, err := c.Payload()
					if err != nil {
						return out, err
					}
					event = b
				}
				raised, stored, err := a.store.RaiseAlert(ctx, c, event)
				if err != nil {
					return out, fmt.Errorf("record quota crossing of %s %s: %w", key.Mailbox, key.Meter, err)
				}
				a.levels[key] = stored
				if raised {
					out = append(out, c)
					a.log.Warn("quota threshold crossed", "mailbox", c.Mailbox, "meter", c.Meter, "threshold_percent", c.Level,
						"used", c.Used, "limit", c.Limit, "percent", c.Percent)
				}
			case level < seen:
				if err := a.store.LowerAlert(ctx, key, level, now); err != nil {
					return out, fmt.Errorf("re-arm quota warning of %s %s: %w", key.Mailbox, key.Meter, err)
				}
				a.levels[key] = level
			}
		}
	}
	return out, nil
}

// Run checks on every tick until ctx ends, reporting errors to onErr.
func (a *Alerter) Run(ctx context.Context, tick <-chan time.Time, onErr func(error)) {
	periodic.Run(ctx, tick, func(ctx context.Context) error {
		_, err := a.Check(ctx)
		return err
	}, onErr)
}
