package exim

import "github.com/mailmeter/mailmeter/metering"

// Options configure a Processor. They are metering.LogOptions, the
// settings the Postfix parser takes too; the zero value is valid. IsLocal
// decides loopback deliveries that are neither LMTP nor filter hops: to a
// local domain they are final deliveries, otherwise (and when IsLocal is
// nil) relays, not counted. Trusted users and uids are Exim's U= of local
// submissions, trusted networks its H=.
type Options = metering.LogOptions
