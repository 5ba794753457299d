package exim

// Kind classifies a mainlog line.
type Kind uint8

// Line kinds. The flags are those of the Exim specification, chapter "Log
// files", section "Summary of fields in log lines".
const (
	KindUnknown       Kind = iota // not recognized; ParseLine returns an error
	KindArrival                   // "<=": message received
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

var kindNames = [numKinds]string{
	KindUnknown:       "unknown",
	KindArrival:       "arrival",
	KindDelivery:      "delivery",
	KindAdditional:    "additional",
	KindSuppressed:    "suppressed",
	KindCutthrough:    "cutthrough",
	KindFailure:       "failure",
	KindDeferral:      "deferral",
	KindCompleted:     "completed",
	KindRejectRCPT:    "reject-rcpt",
	KindRejectData:    "reject-data",
	KindRejectMail:    "reject-mail",
	KindReject:        "reject",
	KindAuthFailure:   "auth-failure",
	KindLookup:        "lookup",
	KindConnection:    "connection",
	KindProtocolError: "protocol-error",
	KindSpam:          "spam",
	KindVerify:        "verify",
	KindDiscard:       "discard",
	KindWarning:       "warning",
	KindHostError:     "host-error",
	KindNote:          "note",
}

// String returns the kind's name as counted in ProcessorStats.Records.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// IsDelivery reports whether k is one of the delivery flags "=>", "->",
// ">>" or "*>".
func (k Kind) IsDelivery() bool {
	return k == KindDelivery || k == KindAdditional || k == KindCutthrough || k == KindSuppressed
}
