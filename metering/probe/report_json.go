package probe

import (
	"encoding/json"
	"net/netip"
	"time"
)

// The JSON of a blacklist report, the same in the API (GET
// /v1/sla/blacklists) and the CLI (sla blacklist --json): times in RFC
// 3339 UTC, a listing still running at the end of the range without until.

type listingJSON struct {
	IP     netip.Addr   `json:"ip"`
	Zone   string       `json:"zone"`
	Listed bool         `json:"listed"`
	Codes  []netip.Addr `json:"codes"`
	Reason string       `json:"reason"`
	At     string       `json:"at"`
}

type listingPeriodJSON struct {
	IP     netip.Addr   `json:"ip"`
	Zone   string       `json:"zone"`
	Since  string       `json:"since"`
	Until  *string      `json:"until,omitempty"`
	Codes  []netip.Addr `json:"codes"`
	Reason string       `json:"reason"`
}

type reportJSON struct {
	From    string              `json:"from"`
	To      string              `json:"to"`
	Listed  []listingPeriodJSON `json:"listed"`
	Changes []listingJSON       `json:"changes"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nonNil(cs []netip.Addr) []netip.Addr {
	if cs == nil {
		return []netip.Addr{}
	}
	return cs
}

// MarshalJSON renders the report as the API and the CLI show it.
func (r BlacklistReport) MarshalJSON() ([]byte, error) {
	out := reportJSON{From: stamp(r.From), To: stamp(r.To), Listed: make([]listingPeriodJSON, len(r.Listed)), Changes: make([]listingJSON, len(r.Changes))}
	for i, p := range r.Listed {
		out.Listed[i] = listingPeriodJSON{IP: p.IP, Zone: p.Zone, Since: stamp(p.Since), Codes: nonNil(p.Codes), Reason: p.Reason}
		if !p.Until.IsZero() {
			u := stamp(p.Until)
			out.Listed[i].Until = &u
		}
	}
	for i, c := range r.Changes {
		out.Changes[i] = listingJSON{IP: c.IP, Zone: c.Zone, Listed: c.Listed, Codes: nonNil(c.Codes), Reason: c.Reason, At: stamp(c.At)}
	}
	return json.Marshal(out)
}
