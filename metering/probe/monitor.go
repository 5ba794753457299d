package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"
)

// Webhook event kinds of blocklist changes.
const (
	EventListed   = "dnsbl.listed"   // an IP got listed in a zone (or was listed when first looked up)
	EventDelisted = "dnsbl.delisted" // a listed IP is no longer listed
)

// BlacklistMonitor runs dnsbl targets and records each IP's changes of
// standing per zone: the history and, when queue is set, a webhook event
// on every listing and delisting. Several processes may run one; the
// store's compare-and-set lets one of them record each change.
type BlacklistMonitor struct {
	targets []Target
	store   ListingStore
	queue   bool
	log     *slog.Logger

	round sync.Mutex             // one round at a time
	mu    sync.Mutex             // guards state
	state map[listingKey]Listing // nil until loaded from the store
}

// NewBlacklistMonitor returns a monitor of targets (all of kind dnsbl)
// recording into store; queue says whether changes are queued as webhook
// events.
func NewBlacklistMonitor(targets []Target, store ListingStore, queue bool, log *slog.Logger) *BlacklistMonitor {
	return &BlacklistMonitor{targets: targets, store: store, queue: queue, log: log}
}

// Round checks every target once and records what changed; it returns the
// changes it recorded. Lookups that failed leave their IP and zone as they
// were (and are reported in the error); the others are recorded.
func (m *BlacklistMonitor) Round(ctx context.Context) ([]Listing, error) {
	m.round.Lock()
	defer m.round.Unlock()
	m.mu.Lock()
	loaded := m.state != nil
	m.mu.Unlock()
	if !loaded {
		if err := m.load(ctx); err != nil {
			return nil, err
		}
	}
	var changes []Listing
	var errs []error
	for _, t := range m.targets {
		d, err := CheckDetail(ctx, t)
		if ctx.Err() != nil {
			return changes, nil // shutting down
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("dnsbl probe %s: %w", t.Name, err))
		}
		for _, l := range d.Listings {
			changed, err := m.observe(ctx, l)
			if err != nil {
				return changes, errors.Join(append(errs, err)...)
			}
			if changed {
				changes = append(changes, l)
			}
		}
	}
	return changes, errors.Join(errs...)
}

func (m *BlacklistMonitor) load(ctx context.Context) error {
	ls, err := m.store.ListingStates(ctx)
	if err != nil {
		return fmt.Errorf("load DNSBL standings: %w", err)
	}
	state := make(map[listingKey]Listing, len(ls))
	for _, l := range ls {
		state[keyOf(l)] = l
	}
	m.mu.Lock()
	m.state = state
	m.mu.Unlock()
	return nil
}

// observe records l if it differs from the standing known (called by a
// round only).
func (m *BlacklistMonitor) observe(ctx context.Context, l Listing) (bool, error) {
	m.mu.Lock()
	prev, known := m.state[keyOf(l)]
	m.mu.Unlock()
	if known && prev.Same(l) {
		return false, nil
	}
	var prevp *Listing
	if known {
		prevp = &prev
	}
	kind, event, err := m.event(prevp, l)
	if err != nil {
		return false, err
	}
	ok, err := m.store.RecordListing(ctx, prevp, l, kind, event)
	if err != nil {
		return false, fmt.Errorf("record DNSBL standing of %s in %s: %w", l.IP, l.Zone, err)
	}
	if !ok {
		// Another process recorded a change first: take the store's word.
		return false, m.load(ctx)
	}
	m.mu.Lock()
	m.state[keyOf(l)] = l
	m.mu.Unlock()
	switch kind {
	case EventListed:
		m.log.Warn("IP listed in a DNS blocklist", "ip", l.IP, "zone", l.Zone, "codes", l.Codes, "reason", l.Reason)
	case EventDelisted:
		m.log.Info("IP no longer listed in a DNS blocklist", "ip", l.IP, "zone", l.Zone)
	}
	return true, nil
}

// event returns the kind of change from prev to next ("" when the listing
// itself did not change: a first sighting unlisted, new codes) and, with
// queue, its webhook payload.
func (m *BlacklistMonitor) event(prev *Listing, next Listing) (string, []byte, error) {
	was := prev != nil && prev.Listed
	kind := ""
	switch {
	case next.Listed && !was:
		kind = EventListed
	case !next.Listed && was:
		kind = EventDelisted
	}
	if kind == "" || !m.queue {
		return kind, nil, nil
	}
	p := listingEvent{Type: kind, IP: next.IP, Zone: next.Zone, Codes: next.Codes, Reason: next.Reason, At: next.At.UTC().Format(time.RFC3339)}
	if kind == EventDelisted {
		p.Codes, p.Reason = prev.Codes, prev.Reason
		p.ListedSince = prev.At.UTC().Format(time.RFC3339)
	}
	if p.Codes == nil {
		p.Codes = []netip.Addr{}
	}
	b, err := json.Marshal(p)
	return kind, b, err
}

// listingEvent is the JSON body of a listing's webhook event. A delisting
// carries the codes and reason of the listing that ended.
type listingEvent struct {
	Type        string       `json:"type"`
	IP          netip.Addr   `json:"ip"`
	Zone        string       `json:"zone"`
	Codes       []netip.Addr `json:"codes"`
	Reason      string       `json:"reason"`
	At          string       `json:"at"`
	ListedSince string       `json:"listed_since,omitempty"`
}

// Current returns the standing of every IP and zone, as last seen or
// loaded, by IP then zone.
func (m *BlacklistMonitor) Current() []Listing {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Listing, 0, len(m.state))
	for _, l := range m.state {
		out = append(out, l)
	}
	SortListings(out)
	return out
}

// Run does a round on every tick until ctx ends, reporting errors to
// onErr.
func (m *BlacklistMonitor) Run(ctx context.Context, tick <-chan time.Time, onErr func(error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if _, err := m.Round(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	}
}
