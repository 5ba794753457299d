package loggen_test

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// usage is what an independent reading of a log finds: per mailbox
// counters and latency sample counts.
type usage struct {
	Usage   map[string]map[metering.Metric]int64
	Latency map[metering.Direction]int64
}

func newUsage() *usage {
	return &usage{Usage: map[string]map[metering.Metric]int64{}, Latency: map[metering.Direction]int64{}}
}

func (u *usage) add(addr string, m metering.Metric, v int64) {
	if v == 0 {
		return
	}
	mb := metering.MailboxFor(addr, "+")
	if u.Usage[mb] == nil {
		u.Usage[mb] = map[metering.Metric]int64{}
	}
	u.Usage[mb][m] += v
}

// between returns the text after open up to the next close, or "".
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	if j := strings.Index(s, close); j >= 0 {
		return s[:j]
	}
	return s
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// pfState is the little per-queue-id state simple counting needs.
type pfState struct {
	login      string
	reinjected bool
	seen       bool
	size       int64
	pending    int64
}

// countPostfix reads a Postfix log by plain string matching, applying
// docs/metering-rules.md independently of the generator.
func countPostfix(log []byte) *usage {
	u := newUsage()
	q := map[string]*pfState{}
	get := func(id string) *pfState {
		if q[id] == nil {
			q[id] = &pfState{}
		}
		return q[id]
	}
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, "]: ")
		if i < 0 {
			continue
		}
		prog := line[strings.LastIndexByte(line[:i], ' ')+1 : strings.LastIndexByte(line[:i], '[')]
		msg := line[i+3:]
		id := ""
		if j := strings.Index(msg, ": "); j > 0 && !strings.ContainsAny(msg[:j], " []") {
			id, msg = msg[:j], msg[j+2:]
		}
		countPostfixLine(u, prog, id, msg, get)
		if msg == "removed" {
			delete(q, id)
		}
	}
	return u
}

func countPostfixLine(u *usage, prog, id, msg string, get func(string) *pfState) {
	switch {
	case strings.HasPrefix(msg, "client="):
		st := get(id)
		if l := between(msg, "sasl_username=", ","); l != "" {
			st.login = l
		}
		if o := between(msg, "orig_queue_id=", ","); o != "" {
			st.login, st.reinjected = get(o).login, true
		}
	case prog == "postfix/qmgr" && strings.Contains(msg, ", size="):
		st := get(id)
		if st.seen {
			return
		}
		st.seen, st.size, st.pending = true, atoi(between(msg, "size=", ",")), atoi(between(msg, "nrcpt=", " "))
		if st.login != "" && !st.reinjected {
			u.add(st.login, metering.OutMessages, 1)
			u.add(st.login, metering.OutRecipients, st.pending)
		}
	case strings.Contains(msg, "status=expired"):
		if st := get(id); st.login != "" {
			u.add(st.login, metering.Bounced, st.pending)
		}
	case strings.HasPrefix(msg, "to=<"):
		countPostfixDelivery(u, prog, id, msg, get(id), get)
	case strings.Contains(msg, "reject: RCPT from"):
		// The reply code follows the client: "…from h[ip]: 450 4.2.0 …".
		rest := msg[strings.Index(msg, "RCPT from "):]
		in, out := metering.RejectedIn, metering.RejectedOut
		if rest[strings.Index(rest, ": ")+2] == '4' {
			in, out = metering.TempfailedIn, metering.TempfailedOut
		}
		if l := between(msg, "sasl_username=<", ">"); l != "" {
			u.add(l, out, 1)
		} else {
			u.add(between(msg, "to=<", ">"), in, 1)
		}
	case strings.HasPrefix(msg, "milter-reject:"):
		to := between(msg, "to=<", ">")
		switch {
		case strings.Contains(msg, "FOUND VIRUS"):
			u.add(to, metering.VirusBlocked, 1)
		case strings.Contains(msg, "Spam"):
			u.add(to, metering.SpamBlocked, 1)
		default:
			u.add(to, metering.RejectedIn, 1)
		}
	case prog == "amavis" && strings.Contains(msg, "Blocked SPAM"):
		countListed(u, msg, metering.SpamBlocked)
	case prog == "amavis" && strings.Contains(msg, "Blocked INFECTED"):
		countListed(u, msg, metering.VirusBlocked)
	}
}

func countListed(u *usage, msg string, m metering.Metric) {
	for _, a := range strings.Split(between(msg, "> -> ", ", "), ",") {
		u.add(strings.Trim(a, "<>"), m, 1)
	}
}

func countPostfixDelivery(u *usage, prog, id, msg string, st *pfState, get func(string) *pfState) {
	to := between(msg, "to=<", ">")
	relay := between(msg, "relay=", ",")
	status := between(msg, "status=", " ")
	if strings.HasPrefix(relay, "127.0.0.1[127.0.0.1]:1002") {
		if n := between(msg, "queued as ", ")"); n != "" {
			get(n).login, get(n).reinjected = st.login, true
		}
		return
	}
	switch status {
	case "sent":
		st.pending--
		if prog == "postfix/smtp" {
			u.Latency[metering.Outbound]++
			if st.login != "" {
				u.add(st.login, metering.OutBytes, st.size)
			}
			return
		}
		u.add(to, metering.InMessages, 1)
		u.add(to, metering.InBytes, st.size)
		u.Latency[metering.Inbound]++
	case "deferred":
		if st.login != "" {
			u.add(st.login, metering.Deferred, 1)
		}
	case "bounced":
		st.pending--
		if st.login != "" {
			u.add(st.login, metering.Bounced, 1)
		}
	}
}
