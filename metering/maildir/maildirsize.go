package maildir

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Quota is a Maildir++ quota definition ("10000000S,1000C"). Zero means no
// limit, as in "0S".
type Quota struct {
	Bytes    int64 // the S limit
	Messages int64 // the C limit
}

// Maildirsize is a parsed Maildir++ "maildirsize" file.
type Maildirsize struct {
	Quota Quota
	// Bytes and Messages are the usage: the sums of the two columns of all
	// data lines.
	Bytes    int64
	Messages int64
	Lines    int // data lines summed
	// Malformed counts data lines that are not two integers; they are
	// skipped, never fatal.
	Malformed int
	Size      int // file size in bytes
}

// RecalcSize is the file size from which Courier and Dovecot rewrite a
// maildirsize file instead of appending to it.
const RecalcSize = 5120

// RecalcAge is the age after which an over-quota maildirsize with a single
// data line is recalculated anyway.
const RecalcAge = 15 * time.Minute

// ParseMaildirsize parses the contents of a maildirsize file: a quota
// definition line, then data lines of two whitespace-separated signed
// integers (bytes, messages), padded or not. Returns an Invalid
// *metering.Error when the definition line is malformed.
func ParseMaildirsize(data []byte) (Maildirsize, error) {
	m := Maildirsize{Size: len(data)}
	header, rest, _ := bytes.Cut(data, []byte("\n"))
	q, err := ParseQuota(string(header))
	if err != nil {
		return m, err
	}
	m.Quota = q
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		b, n, ok := parseDataLine(line)
		if !ok {
			m.Malformed++
			continue
		}
		m.Bytes += b
		m.Messages += n
		m.Lines++
	}
	return m, nil
}

// parseDataLine parses "<bytes> <messages>" with any blanks around.
func parseDataLine(line []byte) (b, n int64, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 2 {
		return 0, 0, false
	}
	b, err1 := strconv.ParseInt(string(f[0]), 10, 64)
	n, err2 := strconv.ParseInt(string(f[1]), 10, 64)
	return b, n, err1 == nil && err2 == nil
}

// ParseQuota parses a quota definition: comma-separated "<n>S" (bytes)
// and "<n>C" (messages), either or both, "0S" for none. Returns an Invalid
// *metering.Error for anything else.
func ParseQuota(s string) (Quota, error) {
	var q Quota
	for _, item := range bytes.Split([]byte(s), []byte(",")) {
		item = bytes.TrimSpace(item)
		if len(item) < 2 {
			return q, metering.Errorf(metering.Invalid, "maildirsize quota %q: empty or short item", s)
		}
		v, err := strconv.ParseInt(string(item[:len(item)-1]), 10, 64)
		if err != nil || v < 0 {
			return q, metering.Errorf(metering.Invalid, "maildirsize quota %q: bad number in %q", s, item)
		}
		switch item[len(item)-1] {
		case 'S':
			q.Bytes = v
		case 'C':
			q.Messages = v
		default:
			return q, metering.Errorf(metering.Invalid, "maildirsize quota %q: unknown unit in %q", s, item)
		}
	}
	return q, nil
}

// ReadMaildirsize reads and parses the maildirsize file in a Maildir root.
// Returns an error wrapping fs.ErrNotExist when there is none.
func ReadMaildirsize(maildir string) (Maildirsize, error) {
	p := filepath.Join(maildir, "maildirsize")
	data, err := os.ReadFile(p)
	if err != nil {
		return Maildirsize{}, fmt.Errorf("read %s: %w", p, err)
	}
	m, err := ParseMaildirsize(data)
	if err != nil {
		return m, fmt.Errorf("parse %s: %w", p, err)
	}
	return m, nil
}

// Over reports whether the usage is over either limit.
func (m Maildirsize) Over() bool {
	return m.Quota.Bytes > 0 && m.Bytes > m.Quota.Bytes ||
		m.Quota.Messages > 0 && m.Messages > m.Quota.Messages
}

// NeedsRecalc reports whether a mail server would rewrite the file, per the
// Maildir++ rules: it is RecalcSize bytes or more, or it is over quota and
// has more than one data line or was last modified over RecalcAge before
// now.
func (m Maildirsize) NeedsRecalc(modTime, now time.Time) bool {
	if m.Size >= RecalcSize {
		return true
	}
	return m.Over() && (m.Lines > 1 || now.Sub(modTime) > RecalcAge)
}

// QuotaDrift compares a maildirsize file with a scan of the same mailbox.
type QuotaDrift struct {
	Mailbox      string
	ScanBytes    int64
	ScanMessages int64
	FileBytes    int64
	FileMessages int64
	// Bytes and Messages are file minus scan: positive when maildirsize
	// over-counts.
	Bytes    int64
	Messages int64
}

// Zero reports whether the file agrees with the scan.
func (d QuotaDrift) Zero() bool { return d.Bytes == 0 && d.Messages == 0 }

// Drift compares a maildirsize file with a scan of the same mailbox. To
// follow Courier's policy of not counting Trash, pass scan.Without("Trash").
func Drift(scan MailboxUsage, file Maildirsize) QuotaDrift {
	return QuotaDrift{
		Mailbox:   scan.Mailbox,
		ScanBytes: scan.Bytes, ScanMessages: scan.Messages,
		FileBytes: file.Bytes, FileMessages: file.Messages,
		Bytes: file.Bytes - scan.Bytes, Messages: file.Messages - scan.Messages,
	}
}
