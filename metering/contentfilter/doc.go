// Package contentfilter parses the verdict lines content filters write to
// the mail log: amavisd-new ("Passed CLEAN …", "Blocked INFECTED …", in the
// 2.7+ template and the older ≤2.6 one), rspamd result lines, SpamAssassin
// spamd "result:" lines and clamav-milter "infected by" lines.
//
// Parsing is pure byte scanning; a Verdict's byte fields alias the parsed
// message and are valid only as long as it is. Parsers never panic.
package contentfilter
