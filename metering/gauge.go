package metering

import "time"

// Supersedes is the gauge merge rule: an observation made at at replaces
// the one made at cur (its value becomes Last) unless it is older; of two
// made at the same instant, the one merged later wins. The store's SQL
// upserts state the same rule (checked against this one on both
// databases).
func Supersedes(at, cur time.Time) bool { return !at.Before(cur) }

// Merge folds a later-merged delta of the same gauge and hour into g: Last
// and ObservedAt of the newest observation (Supersedes), the larger Max.
func (g GaugeDelta) Merge(later GaugeDelta) GaugeDelta {
	if Supersedes(later.ObservedAt, g.ObservedAt) {
		g.Last, g.ObservedAt = later.Last, later.ObservedAt
	}
	g.Max = max(g.Max, later.Max)
	return g
}
