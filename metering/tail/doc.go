// Package tail reads a log file line by line, exactly once, across restarts
// and rotations.
//
// A Tailer follows one path. Each call of Next delivers a batch of complete
// lines and returns the Position just after the last of them; the caller
// commits that Position (Position.Marshal, into metering.Checkpoint.Position)
// in the same transaction as what it derived from the lines, and on restart
// passes the last committed Position back to Open. If a commit fails, the
// caller retries the same commit and does not call Next meanwhile: the
// Tailer never rewinds. The zero Position means the start of whatever file
// is at the path; a caller starting from it should commit Stats().Position
// (that file, at offset 0) before its first batch, or a crash followed by a
// rotation before that first commit would skip the file.
//
// # Identity
//
// A file is identified by device, inode and a fingerprint of its first bytes
// (up to FingerprintBytes; see Identity), so a truncated file or a reused
// inode is recognised as a new file, and a rotated file is found again after
// a rename, a copy or compression.
//
// # Rotation
//
// The tailer assumes one writer that appends whole lines and, after a
// rotation by rename, reopens the path. The old file is read to its end, and
// is left only once a file at the path has been written to and the old one
// has been read to its end after that: lines the writer adds to the old file
// between the rename and its reopening are not lost, and the new file is
// read from its start. Rotated files that appeared in between (the tailer
// was not called during two rotations) are found by their names and read in
// order; the old file is also left, once read to its end, when rotated files
// newer than it hold lines, without waiting for the file at the path to be
// written (it may stay empty). After copytruncate, the lines between the offset reached and the
// truncation are read from the rotated copy (plain or gzip), found by its
// fingerprint. A deleted file is read to its end, then the path is waited
// for. A missing path is waited for; it is not an error.
//
// On restart from a Position whose file is no longer at the path, that file
// is searched for among the rotated files (Options.Rotated; by default
// path.N, path.N.gz, path-DATE and path-DATE.gz), read from the Position,
// and followed by the newer rotated files in order, then by the file at the
// path. With Options.FromOldest, the zero Position starts at the oldest
// rotated file instead of the file at the path.
//
// # Gaps
//
// When lines cannot be accounted for, Next returns a *GapError once, not
// fatal, for the caller to log and count: the Position's file has gone
// (reading then starts at the beginning of the file at the path: no line is
// counted twice, which matters more for billing than counting every line),
// or a truncated file's copy cannot be found, or a compressed file is
// damaged. Every read from the live file is checked against its first
// bytes, so a truncation racing a read is noticed and the lines are read
// from the copy. Lines lost to copytruncate itself (written between the copy
// and the truncation) cannot be noticed, nor can lines of a file whose only
// Position was taken while it was empty, once it is compressed.
//
// # Lines
//
// A line is delivered without its newline or a CR before it. A trailing line
// without its newline is held back while its file may still grow, however
// long that is: no idle timeout, since a writer may flush half a line. It is
// delivered as a line once its file is finished (rotated away and left
// behind, or a copy or compressed file read to its end). Lines longer than
// Options.MaxLineBytes are truncated to it or skipped (Options.LongLines) and
// counted in Stats; memory stays bounded by that maximum.
//
// # Waiting and progress
//
// Waiting for more data goes through a Waiter: by default a Watcher
// (fsnotify on the directory, every event a hint to look again, with a
// polling backstop). Tests drive a fake Waiter directly. Stats reports lines,
// bytes, lag and the size and progress of the file being read.
//
// ReadFile reads one plain or compressed file (gzip, bzip2, xz or zstd,
// told by its first bytes) from a Position to its end, for backfills;
// Identify names a file by its first bytes and SumFile by its whole
// content.
package tail
