package maildir

import (
	"time"

	"github.com/mailmeter/mailmeter/metering"
)

// Inbox is the folder name of the Maildir root.
const Inbox = "INBOX"

// FolderUsage is the storage of one folder (or one directory of it).
type FolderUsage struct {
	Bytes    int64 // physical size: ",S=" or, without it, the file size
	Messages int64
	// VirtualBytes sums ",W=" (the CRLF size IMAP reports); a message
	// without W= adds its physical size, so it is a lower bound then.
	VirtualBytes int64
}

func (u *FolderUsage) add(o FolderUsage) {
	u.Bytes += o.Bytes
	u.Messages += o.Messages
	u.VirtualBytes += o.VirtualBytes
}

func (u FolderUsage) sub(o FolderUsage) FolderUsage {
	return FolderUsage{u.Bytes - o.Bytes, u.Messages - o.Messages, u.VirtualBytes - o.VirtualBytes}
}

// MailboxUsage is the storage of one mailbox: the totals and each folder.
type MailboxUsage struct {
	Mailbox      string
	Path         string
	Bytes        int64
	Messages     int64
	VirtualBytes int64
	// Folders holds every folder found, empty ones included, keyed by
	// "INBOX" or the Maildir++ name without the leading dot, as FolderName
	// gives it ("Sent", "A.B", "Entwürfe").
	Folders map[string]FolderUsage
}

// Total returns the mailbox totals as a FolderUsage.
func (m MailboxUsage) Total() FolderUsage {
	return FolderUsage{Bytes: m.Bytes, Messages: m.Messages, VirtualBytes: m.VirtualBytes}
}

// Without returns a copy of m with the named folders left out of the
// totals and the folder map: Courier, for one, keeps Trash out of quota
// (m.Without("Trash")).
func (m MailboxUsage) Without(folders ...string) MailboxUsage {
	out := MailboxUsage{Mailbox: m.Mailbox, Path: m.Path, Folders: make(map[string]FolderUsage, len(m.Folders))}
	for name, u := range m.Folders {
		out.Folders[name] = u
	}
	for _, name := range folders {
		delete(out.Folders, name)
	}
	out.setTotals()
	return out
}

// setTotals recomputes the totals from the folders.
func (m *MailboxUsage) setTotals() {
	var t FolderUsage
	for _, u := range m.Folders {
		t.add(u)
	}
	m.Bytes, m.Messages, m.VirtualBytes = t.Bytes, t.Messages, t.VirtualBytes
}

// Emit sends the mailbox total (Folder "") and every folder to sink as
// StorageSamples taken at t.
func (m MailboxUsage) Emit(sink metering.Sink, t time.Time) {
	sink.Storage(metering.StorageSample{Time: t, Mailbox: m.Mailbox, Bytes: m.Bytes, Messages: m.Messages})
	for _, name := range sortedKeys(m.Folders) {
		u := m.Folders[name]
		sink.Storage(metering.StorageSample{Time: t, Mailbox: m.Mailbox, Folder: name, Bytes: u.Bytes, Messages: u.Messages})
	}
}

// Stats counts the work a scan did.
type Stats struct {
	Mailboxes int64 // mailboxes scanned
	Dirs      int64 // directories listed
	Entries   int64 // directory entries seen in cur/ and new/
	Stats     int64 // files stat()ed because their name has no S=
}

func (s *Stats) add(o Stats) {
	s.Mailboxes += o.Mailboxes
	s.Dirs += o.Dirs
	s.Entries += o.Entries
	s.Stats += o.Stats
}

// Report is the result of a scan.
type Report struct {
	Time      time.Time      // when the scan started
	Mailboxes []MailboxUsage // sorted by address
	Problems  []Problem
	Stats     Stats
}

// Emit sends every mailbox's samples to sink (see MailboxUsage.Emit), at
// the time the scan started.
func (r *Report) Emit(sink metering.Sink) {
	for _, m := range r.Mailboxes {
		m.Emit(sink, r.Time)
	}
}

// Mailbox returns the usage of one mailbox in the report.
func (r *Report) Mailbox(addr string) (MailboxUsage, bool) {
	for _, m := range r.Mailboxes {
		if m.Mailbox == addr {
			return m, true
		}
	}
	return MailboxUsage{}, false
}
