package exim

// Kind classifies a mainlog line.
type Kind uint8

// Line kinds. The flags are those of the Exim specification, chapter "Log
// files", section "Summary of fields in log lines".
const (
	KindUnknown       Kind = iota // not recognized; ParseLine returns an error
	KindArrival                   // "<=" (or "(=" fakereject): message received
	KindDelivery                  // "=>": delivery, first address of a transport run
	KindAdditional                // "->": further address delivered in the same run
	KindSuppressed                // "*>": delivery suppressed by -N
	KindCutthrough                // ">>": cutthrough delivery, logged before "<="
	KindFailure                   // "**": permanent delivery failure
	KindDeferral                  // "==": delivery deferred
	KindCompleted                 // "Completed": message removed from the spool
	KindRejectRCPT                // "[temporarily ]rejected RCPT <addr>"
	KindRejectData                // "rejected after DATA"
	KindRejectMail                // "rejected MAIL FROM:<addr>", "rejected MAIL <addr>"
	KindReject                    // any other reject: connection, HELO, local_scan, ACL …
	KindAuthFailure               // "<authenticator> authenticator failed for …"
	KindLookup                    // "no host name found for IP address …", "no IP address found …"
	KindConnection                // SMTP connection opened, closed, lost, dropped; "no MAIL in …"
	KindProtocolError             // "SMTP protocol error", "… synchronization error", "SMTP syntax error"
	KindSpam                      // sa-exim "SA: Action: …"
	KindVerify                    // "sender verify fail|defer …", "recipient verify …"
	KindDiscard                   // "RCPT <addr>: discarded by … ACL"
	KindWarning                   // "Warning: …" (ACL warn verbs)
	KindHostError                 // "<id> H=host [ip] Connection refused" and similar transport notes
	KindNote                      // other informational lines: DKIM, queue runs, frozen, daemon start
	numKinds
)

// String returns the kind's name as counted in ProcessorStats.Records.
func (k Kind) String() string {
	switch k {
	case KindArrival:
		return "arrival"
	case KindDelivery:
		return "delivery"
	case KindAdditional:
		return "additional"
	case KindSuppressed:
		return "suppressed"
	case KindCutthrough:
		return "cutthrough"
	case KindFailure:
		return "failure"
	case KindDeferral:
		return "deferral"
	case KindCompleted:
		return "completed"
	}
	return k.textName()
}

func (k Kind) textName() string {
	switch k {
	case KindRejectRCPT:
		return "reject-rcpt"
	case KindRejectData:
		return "reject-data"
	case KindRejectMail:
		return "reject-mail"
	case KindReject:
		return "reject"
	case KindAuthFailure:
		return "auth-failure"
	case KindLookup:
		return "lookup"
	case KindConnection:
		return "connection"
	case KindProtocolError:
		return "protocol-error"
	case KindSpam:
		return "spam"
	case KindVerify:
		return "verify"
	case KindDiscard:
		return "discard"
	case KindWarning:
		return "warning"
	case KindHostError:
		return "host-error"
	case KindNote:
		return "note"
	}
	return "unknown"
}

// IsDelivery reports whether k is one of the delivery flags "=>", "->",
// ">>" or "*>".
func (k Kind) IsDelivery() bool {
	return k == KindDelivery || k == KindAdditional || k == KindCutthrough || k == KindSuppressed
}
