package loggen

import "github.com/mailmeter/mailmeter/metering"

// Truth is what a correct parser must measure from the written lines.
type Truth struct {
	// Usage holds, per mailbox (metering.MailboxFor of the address or login
	// as written), the total of every counter metric it got; only non-zero
	// metrics appear.
	Usage map[string]map[metering.Metric]int64 `json:"usage"`
	// LatencyCount is the number of latency samples per direction: one per
	// final local delivery and one per remote delivery with status sent.
	LatencyCount map[metering.Direction]int64 `json:"latency_count"`
	Lines        int64                        `json:"lines"`    // lines written
	Bytes        int64                        `json:"bytes"`    // bytes written, newlines included
	Sessions     int64                        `json:"sessions"` // sessions and submissions started
	Open         int                          `json:"open"`     // messages still open when the run ended
}

func newTruth() Truth {
	return Truth{
		Usage:        map[string]map[metering.Metric]int64{},
		LatencyCount: map[metering.Direction]int64{},
	}
}

// Total returns the sum of metric m over all mailboxes.
func (t Truth) Total(m metering.Metric) int64 {
	var n int64
	for _, u := range t.Usage {
		n += u[m]
	}
	return n
}

// add counts v of metric m for the mailbox that addr meters to.
func (t *Truth) add(addr string, m metering.Metric, v int64) {
	if v == 0 {
		return
	}
	mb := metering.MailboxFor(addr, metering.DefaultDelimiter)
	u := t.Usage[mb]
	if u == nil {
		u = map[metering.Metric]int64{}
		t.Usage[mb] = u
	}
	u[m] += v
}

// latency counts one sample in direction d.
func (t *Truth) latency(d metering.Direction) { t.LatencyCount[d]++ }
