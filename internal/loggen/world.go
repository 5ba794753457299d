package loggen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

var firstNames = [...]string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin",
	"zoe", "oscar", "quentin", "ursula", "xavier", "mei", "ahmed", "lena", "pablo", "ines",
}

var companyNames = [...]string{
	"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka",
	"tyrell", "cyberdyne", "soylent", "vandelay", "dunder", "pied", "aperture", "nakatomi",
}

var remoteWords = [...]string{
	"fabrikam", "contoso", "northwind", "adventure", "tailspin", "woodgrove", "litware", "proseware",
	"fourth", "wingtip", "lucerne", "margie", "alpine", "bellows", "coho", "datum", "graphic",
	"humongous", "relecloud", "trey", "wide", "blue", "fineart", "consolidated",
}

var remoteLocals = [...]string{
	"news", "info", "john.smith", "m.rossi", "billing", "noreply", "sales", "support", "anna",
	"team", "hr", "kim", "luis", "orders", "notifications", "jobs", "editor", "marketing",
}

var aliasNames = [...]string{"sales", "info", "support", "billing", "office", "postmaster"}

var tags = [...]string{"news", "shop", "lists", "github", "bank", "travel"}

// remoteDomain is a domain on the Internet with its MX host.
type remoteDomain struct {
	name, mx, ip string
}

// alias is a local address rewritten to a mailbox.
type alias struct {
	addr, target string
}

// world holds the names the simulation draws from: mailboxes, aliases,
// remote domains and this host's identity.
type world struct {
	host, short, ip string
	mailboxes       []string // canonical local addresses
	domains         []string
	aliases         [][]alias // per domain
	remotes         []remoteDomain
	remoteIdx       map[string]int // remote domain name → index in remotes
}

func newWorld(cfg Config, rng *rand.Rand) *world {
	w := &world{host: cfg.Host, short: cfg.Host, ip: "192.0.2.25"}
	if i := strings.IndexByte(cfg.Host, '.'); i > 0 {
		w.short = cfg.Host[:i]
	}
	w.domains = cfg.LocalDomains()
	w.mailboxes = cfg.LocalMailboxes()
	w.aliases = make([][]alias, cfg.Domains)
	for d, dom := range w.domains {
		for _, a := range aliasNames {
			target := w.mailboxes[(d+cfg.Domains*rng.IntN(cfg.Mailboxes/cfg.Domains))%cfg.Mailboxes]
			w.aliases[d] = append(w.aliases[d], alias{addr: a + "@" + dom, target: target})
		}
	}
	w.remoteIdx = map[string]int{}
	for i := 0; i < 3*len(remoteWords); i++ {
		tld := [...]string{"com", "net", "org"}[i/len(remoteWords)]
		name := remoteWords[i%len(remoteWords)] + ".example." + tld
		w.remotes = append(w.remotes, remoteDomain{
			name: name,
			mx:   "mx" + strconv.Itoa(1+rng.IntN(3)) + "." + name,
			ip:   randIP(rng),
		})
		w.remoteIdx[name] = i
	}
	return w
}

// LocalDomains returns the domains the generated mailboxes live in, for
// parsers configured to tell local recipients from remote ones. Every
// other domain in the logs is remote.
func (c Config) LocalDomains() []string {
	ds := make([]string, 0, max(c.Domains, 0))
	for d := 0; d < c.Domains; d++ {
		name := companyNames[d%len(companyNames)]
		if d >= len(companyNames) {
			name += strconv.Itoa(d / len(companyNames))
		}
		ds = append(ds, name+".example")
	}
	return ds
}

// LocalMailboxes returns the addresses of the generated mailboxes, spread
// over LocalDomains: the directory a metering of the log would be read
// against. Every other address in the logs is unknown (refused
// recipients, remote parties).
func (c Config) LocalMailboxes() []string {
	domains := c.LocalDomains()
	out := make([]string, 0, max(c.Mailboxes, 0))
	for i := 0; i < c.Mailboxes && len(domains) > 0; i++ {
		local := firstNames[(i/c.Domains)%len(firstNames)]
		if n := i / c.Domains / len(firstNames); n > 0 {
			local += strconv.Itoa(n)
		}
		out = append(out, local+"@"+domains[i%c.Domains])
	}
	return out
}

// randIP returns a public-looking IPv4 address.
func randIP(rng *rand.Rand) string {
	b := make([]byte, 0, 15)
	first := 11 + rng.IntN(212)
	if first == 127 || first == 172 || first == 192 {
		first++ // not loopback or private
	}
	b = strconv.AppendInt(b, int64(first), 10)
	for i := 0; i < 3; i++ {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(1+rng.IntN(254)), 10)
	}
	return string(b)
}

// mailbox picks a local mailbox index, some mailboxes far busier than
// others.
func (w *world) mailbox(rng *rand.Rand) int {
	n := len(w.mailboxes)
	if rng.IntN(4) == 0 {
		return rng.IntN(n)
	}
	return rng.IntN(1 + n/8) // the busy eighth
}

func (w *world) domainIndex(mb int) int { return mb % len(w.domains) }

// remoteSender returns a random remote address.
func (w *world) remoteAddr(rng *rand.Rand) (string, *remoteDomain) {
	r := &w.remotes[rng.IntN(len(w.remotes))]
	return remoteLocals[rng.IntN(len(remoteLocals))] + "@" + r.name, r
}

// remoteOf returns the remote domain of addr; a domain it does not know
// gets the first one's servers.
func (w *world) remoteOf(addr string) *remoteDomain {
	return &w.remotes[w.remoteIdx[strings.ToLower(domainOf(addr))]]
}

// isLocal reports whether addr is in one of the local domains.
func (w *world) isLocal(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	dom := strings.ToLower(addr[at+1:])
	for _, d := range w.domains {
		if d == dom {
			return true
		}
	}
	return false
}

// withTag returns user+tag@domain for user@domain.
func withTag(addr, tag string) string {
	at := strings.LastIndexByte(addr, '@')
	return addr[:at] + "+" + tag + addr[at:]
}

// capitalized returns addr with its first letter and domain's first letter
// upper-cased, as some senders write addresses.
func capitalized(addr string) string {
	b := []byte(addr)
	b[0] = upper(b[0])
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at+1 < len(b) {
		b[at+1] = upper(b[at+1])
	}
	return string(b)
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
