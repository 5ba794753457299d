// Package periodic runs the background loops of mailmeter's services: a
// piece of work done on every tick of a clock until the context ends (Run),
// or on every tick and whenever a change is announced, but never twice
// within a gap (Follow). The loops take their tick channels from the caller,
// so tests drive them without waiting for real time; Every gives them a
// ticker.
//
// Every loop reports the work's errors to an onErr callback (which may be
// nil), except those that come after its context ended: they are the
// shutdown's, not failures worth a log line.
package periodic
