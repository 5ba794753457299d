package loggen_test

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

type eximState struct {
	login string
	size  int64
	seen  map[string]bool
}

// countExim reads an Exim mainlog by plain string matching, applying
// docs/metering-rules.md independently of the generator.
func countExim(log []byte, forLists bool) *usage {
	u := newUsage()
	q := map[string]*eximState{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 2 && strings.HasPrefix(f[2], "[") {
			f = f[3:] // [pid]
		} else {
			f = f[2:]
		}
		line := strings.Join(f, " ")
		if strings.Contains(line, " rejected RCPT <") {
			in, out := metering.RejectedIn, metering.RejectedOut
			if strings.Contains(line, " temporarily rejected RCPT <") {
				in, out = metering.TempfailedIn, metering.TempfailedOut
			}
			if l := between(line, " A=dovecot_plain:", " "); l != "" {
				u.add(l, out, 1)
			} else {
				u.add(between(line, "rejected RCPT <", ">"), in, 1)
			}
			continue
		}
		if len(f) < 3 || len(f[0]) != 16 || f[0][6] != '-' {
			continue
		}
		id, flag, addr := f[0], f[1], f[2]
		if flag == "<=" {
			st := &eximState{size: atoi(between(line, " S=", " ")), seen: map[string]bool{}}
			q[id] = st
			st.login = between(line, " A=dovecot_plain:", " ")
			if st.login != "" {
				u.add(st.login, metering.OutMessages, 1)
				if forLists {
					u.add(st.login, metering.OutRecipients, int64(len(strings.Fields(line[strings.LastIndex(line, " for ")+5:]))))
				}
			}
			continue
		}
		if st := q[id]; st != nil {
			countEximOutcome(u, st, flag, addr, line, forLists)
		}
	}
	return u
}

func countEximOutcome(u *usage, st *eximState, flag, addr, line string, forLists bool) {
	if flag != "=>" && flag != "->" && flag != "**" && flag != "==" {
		return
	}
	addr = strings.TrimSuffix(addr, ":")
	if strings.Contains(line, "[127.0.0.1]:10024") {
		return // filter hop
	}
	if st.login != "" && !forLists && !st.seen[addr] {
		st.seen[addr] = true
		u.add(st.login, metering.OutRecipients, 1)
	}
	switch flag {
	case "==":
		if st.login != "" {
			u.add(st.login, metering.Deferred, 1)
		}
	case "**":
		if st.login != "" {
			u.add(st.login, metering.Bounced, 1)
		}
	default:
		local := !strings.Contains(line, " H=") || strings.Contains(line, "T=dovecot_lmtp H=127.0.0.1 ")
		if local {
			u.add(addr, metering.InMessages, 1)
			u.add(addr, metering.InBytes, st.size)
			u.Latency[metering.Inbound]++
			return
		}
		u.Latency[metering.Outbound]++
		if st.login != "" {
			u.add(st.login, metering.OutBytes, st.size)
		}
	}
}
