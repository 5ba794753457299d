package loggen

// kind is what a session or message is.
type kind uint8

const (
	kindInbound kind = iota // from the Internet to local mailboxes
	kindAuth                // authenticated submission
	kindPickup              // local sendmail(1) submission by uid 33 (www-data), no login
	kindWebmail             // unauthenticated SMTP submission from webmail on 127.0.0.1
	kindNDR                 // bounce notification, from=<>
	kindReject              // a session whose every recipient is refused
	kindNoise               // a session that only makes noise
)

// verdict is what the content checks decide about a message.
type verdict uint8

const (
	verdictClean       verdict = iota
	verdictSpamPassed          // amavis tags it as spam but passes it
	verdictSpamBlocked         // amavis Blocked SPAM (or a milter when unfiltered)
	verdictVirus               // amavis Blocked INFECTED (or a milter when unfiltered)
)

// outcome is what happened to one recipient in one delivery pass.
type outcome uint8

const (
	outNone outcome = iota
	outSent
	outDeferred
	outBounced
)

// step is where a message stands in its life.
type step uint8

const (
	stepConnect step = iota
	stepReceive
	stepQueue
	stepFilter
	stepAttempt
	stepExpire
)

// rcpt is one accepted recipient.
type rcpt struct {
	addr   string        // as written in to= / on => lines
	orig   string        // the alias it was addressed to, "" if none
	remote *remoteDomain // nil for local recipients
	defers int           // deferred passes before the final outcome
	bounce bool          // the final outcome is a bounce, not delivery
	done   bool          // final outcome written (or the message expired)
	seen   bool          // an outcome line was written (Exim recipient counting)
	now    outcome       // outcome in the current pass
}

// message is one SMTP session or submission and, when accepted, the
// message it queues, followed until it leaves the queue.
type message struct {
	at   int64  // time of the next step, µs since start
	seq  uint64 // tie-break for equal times: first scheduled, first run
	step step

	kind    kind
	verdict verdict
	variant int // cosmetic or noise variant, drawn with the traffic

	from       string // envelope sender, "" for <>
	login      string // SASL login as written, "" if none
	trusted    bool   // a trusted submission (Config.TrustedSenders): metered for from
	clientName string
	clientIP   string
	helo       string
	port       int64
	peer       string // the client as the renderer writes it, cached

	rcpts    []rcpt
	rejected []string // recipients refused at RCPT time

	size, size2 int64 // size as queued; size after re-injection
	filter      bool  // routed through amavis
	reinjected  bool  // past the filter: deliveries are of the new copy
	arrival     int64 // when queued, for delay=
	attempt     int   // delivery passes done
	expireAt    int   // pass at which the message expires, 0 = never

	id, id2 string // queue ids: original, re-injected copy
	pid     int64  // session process
	mid     string // Message-ID
}

// tempReject reports whether the reject of m.rejected[i] is temporary
// (4xx): greylisting sessions, and every second policy reject of an
// authenticated user (a sending rate limit).
func (m *message) tempReject(i int) bool {
	return m.kind == kindReject && (m.variant == 4 || m.variant == 2 && i%2 == 1)
}

// pending counts recipients without a final outcome.
func (m *message) pending() int {
	n := 0
	for i := range m.rcpts {
		if !m.rcpts[i].done {
			n++
		}
	}
	return n
}

// curID is the queue id deliveries are logged under.
func (m *message) curID() string {
	if m.reinjected {
		return m.id2
	}
	return m.id
}

// curSize is the size of the copy being delivered.
func (m *message) curSize() int64 {
	if m.reinjected {
		return m.size2
	}
	return m.size
}

// authed reports whether the message has an authenticated sender (its own
// or inherited through re-injection).
func (m *message) authed() bool { return m.login != "" || m.trusted }

// originating reports whether amavis sees m as sent from here: a login, or
// web mail from 127.0.0.1 (in mynetworks). Rendering only: the lines do
// not depend on Config.TrustedSenders.
func (m *message) originating() bool { return m.login != "" || m.kind == kindWebmail }

// sender is what m's outbound usage is metered as: its login, or for a
// trusted submission its envelope sender.
func (m *message) sender() string {
	if m.login != "" {
		return m.login
	}
	return m.from
}
