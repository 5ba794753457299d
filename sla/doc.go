// Package sla is the service-level domain: which mail services exist (a
// service is one or more probe targets: an HA pair or a cluster is one
// service), how their probe checks become a state per minute (up, down,
// unknown), how downtime intervals, incidents reported from outside and
// maintenance windows combine into a month's uptime, and what a plan's SLA
// terms credit for it.
//
// The rules are pure functions over checks and intervals with times given
// explicitly (MailService.Timeline, Evaluate, Qualify, Terms.Credit); the
// Service reads and writes through the Store interface it defines and keeps
// the clock it is given. The monthly report (Service.Report) puts the
// figures beside delivery latency, reject and block counts and blacklist
// listings.
//
// Minutes are the unit: a minute is down when the service's rule says so
// for the checks of that minute (or the latest check before it, within two
// probe intervals), unknown when no check speaks for it (the prober was not
// running), up otherwise. Every interval is half-open, [Start, End).
package sla
