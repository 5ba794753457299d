// Package maildir meters the storage used by Maildir and Maildir++ mailboxes.
//
// It finds mailboxes from a Dovecot-style location template (Layout), scans
// them quickly (Scanner: directory listings only, sizes from the ",S=" field
// of message file names, a stat only when a name carries no size), keeps the
// usage current while mail arrives, moves and is expunged (Watcher: inotify
// through fsnotify, periodic rescans where watches are not available, and an
// hourly reconciliation), and reads Maildir++ "maildirsize" quota files to
// compare them with a scan (ParseMaildirsize, Drift).
//
// Usage is reported per mailbox and per folder: "INBOX" is the Maildir root,
// subfolders are named as Maildir++ names them without the leading dot
// ("Sent", "INBOX.spam", "A.B"), with modified UTF-7 decoded ("Entw&APw-rfe"
// is "Entwürfe") and bytes that are not UTF-8 escaped (FolderName), so any
// name can be stored. Only message files in cur/ and new/ count; tmp/ and the
// Dovecot and Courier index and control files never do. Every folder counts,
// Trash included; MailboxUsage.Without applies Courier's policy of leaving
// Trash out of quota.
//
// The package never follows symbolic links below the layout root and reports
// what it cannot read or understand as Problems instead of guessing; a
// problem with one mailbox never stops the scan of the others.
//
// The format details it relies on are described in MAILDIR.md of the
// real-world samples the conformance tests read ($MAILMETER_FIXTURES).
package maildir
