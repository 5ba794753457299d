package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Listing is one IP's standing in one DNS blocklist zone: listed or not,
// with the codes (A records, e.g. 127.0.0.2) and the reason (TXT) the zone
// answered. At is when it was seen (a check) or when it changed (the
// history).
type Listing struct {
	IP     netip.Addr
	Zone   string
	Listed bool
	Codes  []netip.Addr
	Reason string
	At     time.Time
}

// Same reports whether l and o say the same about the same IP and zone
// (ignoring when).
func (l Listing) Same(o Listing) bool {
	return l.IP == o.IP && l.Zone == o.Zone && l.Listed == o.Listed && slices.Equal(l.Codes, o.Codes) && l.Reason == o.Reason
}

// dnsblParallel bounds the lookups of one check in flight.
const dnsblParallel = 8

// resolvConf is where the default resolver is read from.
const resolvConf = "/etc/resolv.conf"

// checkDNSBL looks every IP up in every zone. A lookup that fails (no
// answer, SERVFAIL, a zone refusing the resolver) fails the check; a
// listing does not (it is reported in d.Listings).
func checkDNSBL(ctx context.Context, t Target, d *Detail) error {
	resolver, err := t.DNSBL.resolver()
	if err != nil {
		return err
	}
	type pair struct {
		ip   netip.Addr
		zone string
	}
	pairs := make(chan pair)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range min(dnsblParallel, len(t.DNSBL.IPs)*len(t.DNSBL.Zones)) {
		wg.Go(func() {
			for p := range pairs {
				l, err := lookupListing(ctx, resolver, p.ip, p.zone)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s in %s: %w", p.ip, p.zone, err))
				} else {
					d.Listings = append(d.Listings, l)
				}
				mu.Unlock()
			}
		})
	}
	for _, ip := range t.DNSBL.IPs {
		for _, z := range t.DNSBL.Zones {
			pairs <- pair{ip, normalZone(z)}
		}
	}
	close(pairs)
	wg.Wait()
	SortListings(d.Listings)
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// SortListings orders listings by IP, then zone, then time.
func SortListings(ls []Listing) {
	slices.SortFunc(ls, func(a, b Listing) int {
		return cmp.Or(a.IP.Compare(b.IP), strings.Compare(a.Zone, b.Zone), a.At.Compare(b.At))
	})
}

func normalZone(z string) string { return strings.ToLower(strings.TrimSuffix(z, ".")) }

// resolver returns the configured resolver, else the first nameserver of
// /etc/resolv.conf.
func (c DNSBLCheck) resolver() (string, error) {
	if c.Resolver != "" {
		return c.Resolver, nil
	}
	conf, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil || len(conf.Servers) == 0 {
		return "", fmt.Errorf("no resolver configured and none in %s: %v", resolvConf, err)
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// errorCodes are answers by which zones (Spamhaus) refuse a query, e.g.
// from a public resolver: not listings.
var errorCodes = netip.MustParsePrefix("127.255.255.0/24")

// listingCodes are where DNSBL answers are (a resolver rewriting NXDOMAIN
// answers with its own address does not list anybody).
var listingCodes = netip.MustParsePrefix("127.0.0.0/8")

// lookupListing asks resolver whether ip is listed in zone, and why.
func lookupListing(ctx context.Context, resolver string, ip netip.Addr, zone string) (Listing, error) {
	l := Listing{IP: ip, Zone: zone, At: time.Now().UTC()}
	name := reverseName(ip) + "." + zone + "."
	r, err := exchange(ctx, resolver, name, dns.TypeA)
	if err != nil {
		return l, err
	}
	switch r.Rcode {
	case dns.RcodeNameError:
		return l, nil
	case dns.RcodeSuccess:
	default:
		return l, fmt.Errorf("%s answered %s", resolver, dns.RcodeToString[r.Rcode])
	}
	for _, rr := range r.Answer {
		a, ok := rr.(*dns.A)
		if !ok {
			continue
		}
		code, _ := netip.AddrFromSlice(a.A.To4())
		switch {
		case errorCodes.Contains(code):
			return l, fmt.Errorf("the zone refused the query (answered %s; a public or shared resolver?)", code)
		case !listingCodes.Contains(code):
			return l, fmt.Errorf("answered %s, not a listing code (127.0.0.0/8): a resolver rewriting answers?", code)
		}
		l.Codes = append(l.Codes, code)
	}
	if len(l.Codes) == 0 {
		return l, nil // NOERROR without A: not listed
	}
	slices.SortFunc(l.Codes, netip.Addr.Compare)
	l.Codes = slices.Compact(l.Codes)
	l.Listed = true
	l.Reason = reason(ctx, resolver, name)
	return l, nil
}

// reason returns the TXT answer of a listing, its strings joined ("" if
// there is none).
func reason(ctx context.Context, resolver, name string) string {
	r, err := exchange(ctx, resolver, name, dns.TypeTXT)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		return ""
	}
	var parts []string
	for _, rr := range r.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			parts = append(parts, strings.Join(t.Txt, ""))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// exchange asks resolver one question, over UDP and, if the answer is
// truncated, again over TCP.
func exchange(ctx context.Context, resolver, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	r, _, err := (&dns.Client{Net: "udp"}).ExchangeContext(ctx, m, resolver)
	if err == nil && r.Truncated {
		r, _, err = (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, m, resolver)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// reverseName is ip's name below a DNSBL zone: the octets of an IPv4
// reversed (1.2.0.192 for 192.0.2.1), the nibbles of an IPv6 reversed.
func reverseName(ip netip.Addr) string {
	ip = ip.Unmap()
	b := ip.AsSlice()
	var parts []string
	for i := len(b) - 1; i >= 0; i-- {
		if ip.Is4() {
			parts = append(parts, strconv.Itoa(int(b[i])))
			continue
		}
		parts = append(parts, strconv.FormatUint(uint64(b[i]&0xf), 16), strconv.FormatUint(uint64(b[i]>>4), 16))
	}
	return strings.Join(parts, ".")
}
