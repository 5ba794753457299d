package exim

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// stateVersion is the format of MarshalState's output.
const stateVersion = 1

type stateDoc struct {
	Version  int          `json:"version"`
	Messages []messageDoc `json:"messages,omitempty"`
	Links    []linkDoc    `json:"links,omitempty"`
	Orphans  []orphanDoc  `json:"orphans,omitempty"`
	LastYear int64        `json:"last_time,omitempty"` // year inference: newest resolved time (unix ns)
}

type messageDoc struct {
	ID         string            `json:"id"`
	Arrival    int64             `json:"arrival,omitempty"` // unix ns; 0 until "<=" seen
	LastSeen   int64             `json:"last_seen"`
	Size       int64             `json:"size"`
	Login      string            `json:"login,omitempty"`
	Authed     bool              `json:"authed,omitempty"`
	SenderDom  string            `json:"sender_domain,omitempty"`
	Arrived    bool              `json:"arrived,omitempty"`
	Reinjected bool              `json:"reinjected,omitempty"`
	RcptsDone  bool              `json:"rcpts_done,omitempty"`
	Candidate  bool              `json:"candidate,omitempty"`
	MsgID      uint64            `json:"mid,omitempty"`
	Early      early             `json:"early"`
	Rcpts      []uint64          `json:"rcpts,omitempty"`
	Pending    []pendingDelivery `json:"pending,omitempty"`
}

type orphanDoc struct {
	ID       string `json:"id"`
	Early    early  `json:"early"`
	LastSeen int64  `json:"last_seen"`
}

type linkDoc struct {
	ID        string `json:"id"`
	Login     string `json:"login,omitempty"`
	Authed    bool   `json:"authed,omitempty"`
	SenderDom string `json:"sender_domain,omitempty"`
	LastSeen  int64  `json:"last_seen"`
}

// MarshalState returns the open messages, filter-hop links and completed
// copies awaiting their hop line as JSON,
// sorted by id so equal states marshal to equal bytes.
func (p *Processor) MarshalState() ([]byte, error) {
	doc := stateDoc{Version: stateVersion}
	for k, m := range p.open {
		doc.Messages = append(doc.Messages, messageDoc{
			ID: k.String(), Arrival: unixNano(m.arrival), LastSeen: unixNano(m.lastSeen),
			Size: m.size, Login: m.login, Authed: m.authed, SenderDom: m.senderDom,
			Arrived: m.arrived, Reinjected: m.reinjected, RcptsDone: m.rcptsDone,
			Candidate: m.candidate, MsgID: m.msgID, Early: m.early, Rcpts: m.rcpts, Pending: m.pending,
		})
	}
	for k, o := range p.orphans {
		doc.Orphans = append(doc.Orphans, orphanDoc{ID: k.String(), Early: o.early, LastSeen: unixNano(o.lastSeen)})
	}
	sort.Slice(doc.Orphans, func(i, j int) bool { return doc.Orphans[i].ID < doc.Orphans[j].ID })
	for k, l := range p.links {
		doc.Links = append(doc.Links, linkDoc{ID: k.String(), Login: l.login, Authed: l.authed,
			SenderDom: l.senderDom, LastSeen: unixNano(l.lastSeen)})
	}
	sort.Slice(doc.Messages, func(i, j int) bool { return doc.Messages[i].ID < doc.Messages[j].ID })
	sort.Slice(doc.Links, func(i, j int) bool { return doc.Links[i].ID < doc.Links[j].ID })
	if p.years != nil {
		doc.LastYear = unixNano(p.years.Last())
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("exim: marshal state: %w", err)
	}
	return b, nil
}

// UnmarshalState replaces the open state with one MarshalState returned.
// It returns an Invalid error for data it cannot read, leaving the state
// unchanged.
func (p *Processor) UnmarshalState(data []byte) error {
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return &metering.Error{Kind: metering.Invalid, Message: "exim: unmarshal state", Err: err}
	}
	if doc.Version != stateVersion {
		return metering.Errorf(metering.Invalid, "exim: state version %d, want %d", doc.Version, stateVersion)
	}
	open := make(map[msgKey]*message, len(doc.Messages))
	for _, d := range doc.Messages {
		k, ok := keyOf([]byte(d.ID))
		if !ok {
			return metering.Errorf(metering.Invalid, "exim: state: bad message id %q", d.ID)
		}
		open[k] = &message{arrival: fromNano(d.Arrival), lastSeen: fromNano(d.LastSeen), size: d.Size,
			login: d.Login, authed: d.Authed, senderDom: d.SenderDom, arrived: d.Arrived,
			reinjected: d.Reinjected, rcptsDone: d.RcptsDone, candidate: d.Candidate, msgID: d.MsgID, early: d.Early,
			rcpts: d.Rcpts, pending: d.Pending}
	}
	links := make(map[msgKey]link, len(doc.Links))
	for _, d := range doc.Links {
		k, ok := keyOf([]byte(d.ID))
		if !ok {
			return metering.Errorf(metering.Invalid, "exim: state: bad linked id %q", d.ID)
		}
		links[k] = link{login: d.Login, authed: d.Authed, senderDom: d.SenderDom, lastSeen: fromNano(d.LastSeen)}
	}
	orphans := make(map[msgKey]orphan, len(doc.Orphans))
	for _, d := range doc.Orphans {
		k, ok := keyOf([]byte(d.ID))
		if !ok {
			return metering.Errorf(metering.Invalid, "exim: state: bad orphan id %q", d.ID)
		}
		orphans[k] = orphan{early: d.Early, lastSeen: fromNano(d.LastSeen)}
	}
	p.open, p.links, p.orphans = open, links, orphans
	if doc.LastYear != 0 {
		p.resolveSeed(fromNano(doc.LastYear))
	}
	return nil
}

// resolveSeed restores year inference for syslog stamps without a year.
func (p *Processor) resolveSeed(last time.Time) {
	ref := p.opts.YearRef
	if ref.IsZero() {
		ref = last
	}
	p.years = newYearInferrer(ref, p.opts.Location)
	p.years.Seed(last)
}

// Expire evicts messages, links and completed copies awaiting a hop line
// whose last line is older than now
// minus MaxAge and counts the evicted messages. Everything they did was
// emitted at its line, so nothing is emitted here.
func (p *Processor) Expire(now time.Time, _ metering.Sink) {
	cutoff := now.Add(-p.opts.MaxAge)
	for k, m := range p.open {
		if m.lastSeen.Before(cutoff) {
			p.release(k, m)
			p.stats.evicted++
		}
	}
	for k, l := range p.links {
		if l.lastSeen.Before(cutoff) {
			delete(p.links, k)
		}
	}
	for k, o := range p.orphans {
		if o.lastSeen.Before(cutoff) {
			delete(p.orphans, k)
		}
	}
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
