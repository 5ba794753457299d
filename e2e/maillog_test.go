package e2e

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// logScan is what the test reads from the maillog by itself, with a few
// strings.Fields, independently of the project's parser.
type logScan struct {
	lines      int
	sizes      map[string]int64 // queue id → first qmgr size=
	removed    map[string]bool  // queue ids whose "removed" line was logged
	deliveries []logDelivery    // virtual(8) status=sent lines
	bounced    int              // status=bounced lines
	deferred   int              // status=deferred lines
	rejects    []string         // to= of "reject: RCPT" lines
}

// logDelivery is one virtual(8) delivery line with status=sent.
type logDelivery struct {
	queueID, to, origTo string
}

// scanMaillog reads the whole maillog.
func scanMaillog(path string) (*logScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &logScan{sizes: map[string]int64{}, removed: map[string]bool{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		s.lines++
		s.line(strings.Fields(sc.Text()))
	}
	return s, sc.Err()
}

// line reads the fields of one line: "Mon DD HH:MM:SS host prog[pid]: …".
func (s *logScan) line(f []string) {
	if len(f) < 7 {
		return
	}
	prog, id, rest := f[4], strings.TrimSuffix(f[5], ":"), f[6:]
	switch {
	case strings.HasPrefix(prog, "postfix/qmgr[") && rest[0] == "removed":
		s.removed[id] = true
	case strings.HasPrefix(prog, "postfix/qmgr[") && strings.HasPrefix(rest[0], "from="):
		if v := field(rest, "size="); v != "" {
			if _, seen := s.sizes[id]; !seen {
				s.sizes[id], _ = strconv.ParseInt(v, 10, 64)
			}
		}
	case strings.HasPrefix(prog, "postfix/smtpd[") && rest[0] == "reject:" && len(rest) > 1 && rest[1] == "RCPT":
		s.rejects = append(s.rejects, field(rest, "to="))
	case field(rest, "status=") == "sent" && strings.HasPrefix(prog, "postfix/virtual["):
		s.deliveries = append(s.deliveries, logDelivery{id, field(rest, "to="), field(rest, "orig_to=")})
	case field(rest, "status=") == "bounced":
		s.bounced++
	case field(rest, "status=") == "deferred":
		s.deferred++
	}
}

// field returns the value of the first "key=value" field, without the
// trailing comma and the angle brackets around addresses.
func field(fs []string, key string) string {
	for _, f := range fs {
		if v, ok := strings.CutPrefix(f, key); ok {
			return strings.Trim(strings.TrimSuffix(strings.TrimSuffix(v, ";"), ","), "<>")
		}
	}
	return ""
}

// pending returns the queue ids seen by qmgr and not yet removed.
func (s *logScan) pending() []string {
	var ids []string
	for id := range s.sizes {
		if !s.removed[id] {
			ids = append(ids, id)
		}
	}
	return ids
}
