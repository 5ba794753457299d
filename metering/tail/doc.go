// Package tail reads a log file line by line, exactly once, across restarts
// and rotations.
//
// A Tailer follows one path. Each call to Next delivers a batch of complete
// lines and returns the Position just after the last of them; the caller
// commits that Position (Position.Marshal) in the same transaction as what it
// derived from the lines, and on restart passes the committed Position back
// to Open. Lines are therefore delivered once and in order, provided the
// caller does not read further before its commit succeeds.
//
// A file is identified by device, inode and a fingerprint of its first bytes
// (Identity), so a truncated file or a reused inode is recognised as a new
// file. The tailer follows rename rotation (the old file is read to its end
// before the new one is started, including lines its writer adds after the
// rename), copytruncate (the lines between the old offset and the truncation
// are read from the rotated copy when it can be found), deletion, and files
// that do not exist yet. On restart from a Position whose file has been
// rotated away, the rotated file is found by its fingerprint among the names
// the Rotated globs match (plain or gzip-compressed), finished, and followed by
// the newer rotated files and then the live file.
//
// Unterminated lines: a trailing line without its newline is held back while
// its file is live, however long it stays so; it is delivered as a line once
// the file is finished (rotated away and its successor written to, or a
// rotated or compressed file read to its end). Lines longer than
// Options.MaxLineBytes are truncated or skipped, and counted; memory stays
// bounded by that maximum.
//
// When data cannot be accounted for (the Position's file has gone, or a
// truncated file's copy cannot be found), Next returns a *GapError: it is not
// fatal, it is reported once so the caller can log and count it, and the
// next call carries on.
//
// ReadFile reads one plain or gzip file from a Position to its end, for
// backfills.
//
// Reading happens in Next's goroutine; waiting for more data goes through a
// Waiter, by default a Watcher (fsnotify on the directory, every event a hint
// to re-check, with a polling backstop). Tests drive a fake Waiter directly.
package tail
