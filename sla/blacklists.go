package sla

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/metering/probe"
)

// DNSBLListings reads the listings the blacklist monitor recorded (the
// dnsbl probes' history, probe.Blacklists) as a report's Blacklists: a
// listing per outgoing IP and zone and time it was listed.
type DNSBLListings struct {
	History *probe.Blacklists
}

// Listings returns the listings that overlap [from, to), by the time
// they were first seen listed; one not seen delisted before to has no
// Delisted. An empty range has none.
func (d DNSBLListings) Listings(ctx context.Context, from, to time.Time) ([]Listing, error) {
	if !from.Before(to) {
		return []Listing{}, nil
	}
	rep, err := d.History.Report(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Listing, 0, len(rep.Listed))
	for _, p := range rep.Listed {
		l := Listing{List: p.Zone, Address: p.IP.String(), Listed: p.Since}
		if !p.Until.IsZero() {
			until := p.Until
			l.Delisted = &until
		}
		out = append(out, l)
	}
	return out, nil
}
