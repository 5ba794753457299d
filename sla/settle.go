package sla

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// SettleLag is how far behind the clock minutes are settled, beyond a
// service's Lookback: checks that arrive late (a commit retried after a
// database outage) still count.
const SettleLag = time.Hour

// settleStep bounds the checks one settling step reads.
const settleStep = 31 * 24 * time.Hour

// SettleResult says what a Settle did.
type SettleResult struct {
	Settled map[string]time.Time // each service's settled-until
	Pruned  int64                // raw checks deleted
}

// Settle stores, for every configured service, the down and unknown
// intervals of the minutes its checks can no longer change (older than
// SettleLag and its Lookback), so they outlive the raw checks; then it
// deletes checks older than the policy's Retention that no service still
// needs. Several processes may settle at once: one wins each step.
func (s *Service) Settle(ctx context.Context) (SettleResult, error) {
	now := s.now().UTC()
	res := SettleResult{Settled: map[string]time.Time{}}
	prune := now.Add(-s.policy.Retention)
	for _, m := range s.services {
		lb := m.Lookback(s.policy.Interval)
		until := floorMinute(now.Add(-SettleLag - lb))
		st, err := s.settleService(ctx, m, until)
		if err != nil {
			return res, err
		}
		if !st.Until.IsZero() {
			res.Settled[m.Name] = st.Until
			if cut := st.Until.Add(-lb); cut.Before(prune) {
				prune = cut
			}
		}
	}
	if s.policy.Retention > 0 {
		n, err := s.store.PruneChecks(ctx, prune)
		if err != nil {
			return res, err
		}
		res.Pruned = n
	}
	return res, nil
}

// settleService settles one service's minutes up to until, a step at a
// time, and returns its settled range.
func (s *Service) settleService(ctx context.Context, m MailService, until time.Time) (Settled, error) {
	st, err := s.store.Settled(ctx, m.Name)
	if err != nil {
		return st, err
	}
	if st.Until.IsZero() {
		first, ok, err := s.store.FirstCheck(ctx, m.Targets)
		if err != nil || !ok {
			return st, err
		}
		st = Settled{Since: floorMinute(first), Until: floorMinute(first)}
		if err := s.store.Settle(ctx, m.Name, Settled{}, st, nil); err != nil {
			return s.afterConflict(ctx, m.Name, st, err)
		}
	}
	lb := m.Lookback(s.policy.Interval)
	for st.Until.Before(until) {
		to := st.Until.Add(settleStep)
		if until.Before(to) {
			to = until
		}
		checks, err := s.store.Checks(ctx, m.Targets, st.Until.Add(-lb), to.Add(lb))
		if err != nil {
			return st, err
		}
		tl := m.Timeline(checks, st.Until, to, s.policy.Interval)
		var ivs []StateInterval
		for _, state := range []State{Down, Unknown} {
			for _, iv := range tl.Runs(state) {
				ivs = append(ivs, StateInterval{iv, state})
			}
		}
		next := Settled{Since: st.Since, Until: to}
		if err := s.store.Settle(ctx, m.Name, st, next, ivs); err != nil {
			return s.afterConflict(ctx, m.Name, st, err)
		}
		st = next
	}
	return st, nil
}

// afterConflict lets another settler's step stand: it returns the stored
// range (err if it is not a Conflict).
func (s *Service) afterConflict(ctx context.Context, service string, st Settled, err error) (Settled, error) {
	if metering.KindOf(err) != metering.Conflict {
		return st, err
	}
	return s.store.Settled(ctx, service)
}
