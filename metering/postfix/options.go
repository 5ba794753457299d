package postfix

import "github.com/mailmeter/mailmeter/metering"

// Options configure a Processor. They are metering.LogOptions, the
// settings the Exim parser takes too; the zero value is valid. Recipient
// metrics (in_*, rejected_in, spam_blocked, virus_blocked) count only for
// domains IsLocal reports, or for every domain when it is nil. Trusted uids
// are pickup's "uid=", trusted networks the submitting client's address.
type Options = metering.LogOptions
