package metering_test

import (
	"testing"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Merging keeps the newest observation's value, the later-merged one's on
// a tie, and the larger max, whichever order they come in.
func TestGaugeMerge(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 10, 0, 0, time.UTC)
	g := func(last, max int64, d time.Duration) metering.GaugeDelta {
		return metering.GaugeDelta{Last: last, Max: max, ObservedAt: at.Add(d)}
	}
	for _, c := range []struct {
		name          string
		a, b          metering.GaugeDelta
		last, max     int64
		observedAfter time.Duration
	}{
		{"newer later", g(1, 5, 0), g(2, 3, time.Minute), 2, 5, time.Minute},
		{"older later", g(1, 5, time.Minute), g(2, 9, 0), 1, 9, time.Minute},
		{"tie: the later wins", g(1, 5, 0), g(2, 3, 0), 2, 5, 0},
	} {
		got := c.a.Merge(c.b)
		if got.Last != c.last || got.Max != c.max || !got.ObservedAt.Equal(at.Add(c.observedAfter)) {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
}
