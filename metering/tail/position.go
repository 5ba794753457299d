package tail

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/mailmeter/mailmeter/metering"
)

// FingerprintBytes is how many leading bytes of a file its fingerprint covers
// once the file is at least that long.
const FingerprintBytes = 1024

// positionVersion is the version of the Position encoding.
const positionVersion = 1

// Identity identifies one log file: where it lives (Dev, Ino) and what it
// starts with (a hash of its first FPLen bytes, FPLen at most
// FingerprintBytes). Two files are the same when their inodes agree and the
// longer file's first FPLen bytes hash to FP. A compressed or copied file is
// recognised by its fingerprint alone (of its uncompressed content).
type Identity struct {
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	FPLen int    `json:"fp_len"`
	FP    string `json:"fp"` // hex of the first 16 bytes of SHA-256(first FPLen bytes)
}

// IsZero reports whether id identifies no file.
func (id Identity) IsZero() bool { return id == Identity{} }

// sameInode reports whether a and b name the same inode.
func (id Identity) sameInode(o Identity) bool {
	return id.Dev == o.Dev && id.Ino == o.Ino
}

// String returns a short form for messages.
func (id Identity) String() string {
	fp := id.FP
	if len(fp) > 8 {
		fp = fp[:8]
	}
	return fmt.Sprintf("dev=%d ino=%d fp=%s/%d", id.Dev, id.Ino, fp, id.FPLen)
}

// fingerprint hashes b.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// matchesPrefix reports whether head, the first bytes of some file (at most
// FingerprintBytes of them, fewer only if the file is shorter), starts with
// the bytes id's fingerprint was computed over.
func (id Identity) matchesPrefix(head []byte) bool {
	if len(head) < id.FPLen {
		return false
	}
	return fingerprint(head[:id.FPLen]) == id.FP
}

// withHead returns id with the fingerprint of other, a file found to start
// as id does and known over at least as many bytes.
func withHead(id, other Identity) Identity {
	if other.FPLen > id.FPLen {
		id.FPLen, id.FP = other.FPLen, other.FP
	}
	return id
}

// Position is where a reader stands: the file and the offset just after the
// last line delivered from it (uncompressed bytes for a gzip file). The zero
// Position means "the start of whatever file is at the path".
type Position struct {
	Path   string   `json:"path,omitempty"`
	File   Identity `json:"file"`
	Offset int64    `json:"offset"`
}

// IsZero reports whether p is the zero Position.
func (p Position) IsZero() bool { return p.File.IsZero() && p.Offset == 0 }

// String returns a short form for messages.
func (p Position) String() string {
	return fmt.Sprintf("%s@%d (%s)", p.Path, p.Offset, p.File)
}

// wirePosition is the encoded form, versioned.
type wirePosition struct {
	V int `json:"v"`
	Position
}

// Marshal encodes p as JSON, for metering.Checkpoint.Position.
func (p Position) Marshal() ([]byte, error) {
	return json.Marshal(wirePosition{V: positionVersion, Position: p})
}

// UnmarshalPosition decodes what Marshal produced. Empty input decodes to the
// zero Position. It returns a metering Invalid error for anything else it
// cannot read.
func UnmarshalPosition(b []byte) (Position, error) {
	if len(b) == 0 {
		return Position{}, nil
	}
	var w wirePosition
	if err := json.Unmarshal(b, &w); err != nil {
		return Position{}, &metering.Error{Kind: metering.Invalid, Field: "position", Message: "decode tail position", Err: err}
	}
	if w.V != positionVersion {
		return Position{}, metering.FieldError("position", "tail position version %d, want %d", w.V, positionVersion)
	}
	if err := w.Position.validate(); err != nil {
		return Position{}, err
	}
	return w.Position, nil
}

// validate checks the invariants a decoded Position must hold.
func (p Position) validate() error {
	switch {
	case p.Offset < 0:
		return metering.FieldError("position.offset", "negative offset %d", p.Offset)
	case p.File.FPLen < 0 || p.File.FPLen > FingerprintBytes:
		return metering.FieldError("position.file.fp_len", "fingerprint length %d out of range", p.File.FPLen)
	case p.File.FPLen > 0 && len(p.File.FP) != 32:
		return metering.FieldError("position.file.fp", "malformed fingerprint %q", p.File.FP)
	}
	return nil
}
