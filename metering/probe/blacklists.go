package probe

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// ListingStore keeps each IP's current standing in each DNSBL zone and the
// history of its changes.
type ListingStore interface {
	// ListingStates returns the stored standing of every IP and zone seen.
	ListingStates(ctx context.Context) ([]Listing, error)
	// RecordListing stores next as the standing of its IP and zone if the
	// stored standing is still prev (nil: none stored) — a compare-and-set
	// on listed, codes and reason — adds next to the history and, when
	// event is not nil, queues it as a webhook event of kind eventKind,
	// all in one transaction. It returns false and stores nothing when
	// the stored standing was not prev (another process recorded first).
	RecordListing(ctx context.Context, prev *Listing, next Listing, eventKind string, event []byte) (bool, error)
	// ListingHistory returns the changes recorded in [from, to) and, for
	// each IP and zone, the last change before from, by time (then by
	// recording order).
	ListingHistory(ctx context.Context, from, to time.Time) ([]Listing, error)
}

// ListingPeriod is a time an IP was listed in a zone: from Since until
// Until (zero: still listed at the end of the report), with the codes and
// reason last seen.
type ListingPeriod struct {
	IP     netip.Addr
	Zone   string
	Since  time.Time
	Until  time.Time
	Codes  []netip.Addr
	Reason string
}

// BlacklistReport is the blocklist evidence of a range: the listings that
// overlap it and every change recorded in it (first sightings included).
type BlacklistReport struct {
	From, To time.Time
	Listed   []ListingPeriod
	Changes  []Listing
}

// Blacklists reads the DNSBL history.
type Blacklists struct {
	store ListingStore
	now   func() time.Time
}

// NewBlacklists returns the reader of store's DNSBL history.
func NewBlacklists(store ListingStore, now func() time.Time) *Blacklists {
	return &Blacklists{store: store, now: now}
}

// Report returns the listings and changes of [from, to) (default: this
// month so far). An empty or reversed range is an Invalid error naming
// "to"; one over metering.MaxRange names "from".
func (b *Blacklists) Report(ctx context.Context, from, to time.Time) (BlacklistReport, error) {
	from, to = metering.DefaultRange(from, to, b.now())
	if err := metering.CheckRange(from, to, metering.ByDay); err != nil {
		return BlacklistReport{}, err
	}
	hist, err := b.store.ListingHistory(ctx, from, to)
	if err != nil {
		return BlacklistReport{}, err
	}
	rep := BlacklistReport{From: from.UTC(), To: to.UTC(), Listed: listingPeriods(hist, from)}
	for _, c := range hist {
		if !c.At.Before(from) {
			rep.Changes = append(rep.Changes, c)
		}
	}
	return rep, nil
}

type listingKey struct {
	ip   netip.Addr
	zone string
}

func keyOf(l Listing) listingKey { return listingKey{l.IP, l.Zone} }

// listingPeriods turns a history (in time order) into the periods of
// listing that did not end before from.
func listingPeriods(hist []Listing, from time.Time) []ListingPeriod {
	open := map[listingKey]*ListingPeriod{}
	var out []ListingPeriod
	for _, c := range hist {
		k := keyOf(c)
		p := open[k]
		switch {
		case c.Listed && p != nil:
			p.Codes, p.Reason = c.Codes, c.Reason
		case c.Listed:
			open[k] = &ListingPeriod{IP: c.IP, Zone: c.Zone, Since: c.At, Codes: c.Codes, Reason: c.Reason}
		case p != nil:
			p.Until = c.At
			if p.Until.After(from) {
				out = append(out, *p)
			}
			delete(open, k)
		}
	}
	for _, p := range open {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b ListingPeriod) int {
		return cmp.Or(a.Since.Compare(b.Since), a.IP.Compare(b.IP), strings.Compare(a.Zone, b.Zone))
	})
	return out
}
