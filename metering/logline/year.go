package logline

import "time"

// yearSlack is how far after the reference time a first line may be
// stamped and still be taken as the reference's year (clock skew, a file
// touched before its last line was flushed).
const yearSlack = 24 * time.Hour

// rolloverGap is how far a stamp must fall before the previous one to be
// read as the next year (Dec→Jan). Smaller backwards steps are jitter
// (lines from several processes written slightly out of order).
const rolloverGap = 180 * 24 * time.Hour

// jitterGap is how far a stamp must fall after the previous one to be read
// as a late line of the previous year (Dec 31 logged just after Jan 1).
const jitterGap = 300 * 24 * time.Hour

// YearInferrer resolves timestamps without year or zone, line by line.
// The first year-less line gets the year that puts it not after the
// reference time (plus a day of slack); later lines keep that year and
// advance it when the date jumps back by months (December to January).
// Stamps that carry a year set the running year themselves.
// It is not safe for concurrent use.
type YearInferrer struct {
	ref  time.Time
	loc  *time.Location
	year int       // running year; 0 until the first line
	last time.Time // latest resolved time

	cacheRaw, cacheOut time.Time // last resolution, for runs of equal stamps
}

// NewYearInferrer returns an inferrer anchored at ref (typically the log
// file's modification time) that reads zone-less stamps in loc (time.Local
// when nil).
func NewYearInferrer(ref time.Time, loc *time.Location) *YearInferrer {
	if loc == nil {
		loc = time.Local
	}
	return &YearInferrer{ref: ref, loc: loc}
}

// Resolve returns the absolute time of e's stamp, or the zero time when e
// has none.
func (y *YearInferrer) Resolve(e *Envelope) time.Time {
	if e.Time.IsZero() {
		return time.Time{}
	}
	if e.HasYear && e.HasZone {
		y.note(e.Time)
		return e.Time
	}
	if e.Time == y.cacheRaw && !y.cacheRaw.IsZero() {
		return y.cacheOut
	}
	var t time.Time
	if e.HasYear {
		t = y.inLoc(e.Time, e.Time.Year())
	} else {
		t = y.infer(e.Time)
	}
	y.note(t)
	y.cacheRaw, y.cacheOut = e.Time, t
	return t
}

func (y *YearInferrer) inLoc(raw time.Time, year int) time.Time {
	return time.Date(year, raw.Month(), raw.Day(), raw.Hour(), raw.Minute(),
		raw.Second(), raw.Nanosecond(), y.loc)
}

func (y *YearInferrer) infer(raw time.Time) time.Time {
	if y.year == 0 {
		y.year = y.ref.In(y.loc).Year()
		if y.inLoc(raw, y.year).After(y.ref.Add(yearSlack)) {
			y.year--
		}
		return y.inLoc(raw, y.year)
	}
	t := y.inLoc(raw, y.year)
	switch {
	case y.last.Sub(t) > rolloverGap: // Dec 31 → Jan 1
		y.year++
		t = y.inLoc(raw, y.year)
	case t.Sub(y.last) > jitterGap: // a late Dec 31 line after Jan 1
		t = y.inLoc(raw, y.year-1)
	}
	return t
}

func (y *YearInferrer) note(t time.Time) {
	if t.After(y.last) {
		y.last = t
		y.year = t.In(y.loc).Year()
	}
}

// Last returns the latest time resolved so far (zero before the first
// line). Saved with a checkpoint, it restores the inferrer through Seed.
func (y *YearInferrer) Last() time.Time { return y.last }

// Seed makes the inferrer continue after a line resolved to last, as if it
// had resolved that line itself. A zero last resets it to its fresh state.
func (y *YearInferrer) Seed(last time.Time) {
	y.last, y.year = last, 0
	y.cacheRaw, y.cacheOut = time.Time{}, time.Time{}
	if !last.IsZero() {
		y.year = last.In(y.loc).Year()
	}
}
