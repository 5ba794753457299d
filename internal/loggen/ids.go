package loggen

import "math/rand/v2"

const (
	hexDigits = "0123456789ABCDEF"
	// postfixLong is the alphabet of Postfix long queue ids; 'z' separates
	// the time part from the inode part and so never appears elsewhere.
	postfixLong = "0123456789BCDFGHJKLMNPQRSTVWXYbcdfghjklmnpqrstvwxy"
	base62      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// idMaker hands out queue ids that are unique among open messages: the
// "inode" part comes from a counter that wraps only after 2^24 ids.
type idMaker struct {
	inode uint32
	epoch int64 // Unix seconds of the run start
}

func newIDMaker(rng *rand.Rand, epoch int64) idMaker {
	return idMaker{inode: 0x10000 + rng.Uint32N(0x80000), epoch: epoch}
}

func (g *idMaker) nextInode(rng *rand.Rand) uint32 {
	g.inode = (g.inode + 1 + rng.Uint32N(8)) & 0xFFFFFF
	if g.inode < 0x10000 {
		g.inode += 0x10000
	}
	return g.inode
}

// postfix returns a classic id (five hex digits of the microseconds, then
// the inode in hex: "DBED828417") or a long one ("4TwNdH5zwCz7fxV").
func (g *idMaker) postfix(rng *rand.Rand, us int64, long bool) string {
	ino := g.nextInode(rng)
	var b [24]byte
	n := 0
	if long {
		sec := g.epoch + floorDiv(us, 1e6)
		n = putBase(b[:], n, uint64(sec), 6, postfixLong)
		n = putBase(b[:], n, uint64(us-floorDiv(us, 1e6)*1e6), 4, postfixLong)
		b[n] = 'z'
		n++
		n = putBase(b[:], n, uint64(ino), 4, postfixLong)
		return string(b[:n])
	}
	usec := uint64(us - floorDiv(us, 1e6)*1e6)
	n = putBase(b[:], n, usec, 5, hexDigits)
	n = putBase(b[:], n, uint64(ino), 5, hexDigits)
	return string(b[:n])
}

// exim returns a classic 16-character Exim message id
// ("1jmFYj-00039V-QX"): time, a unique number in the pid field, and a
// sub-second part.
func (g *idMaker) exim(rng *rand.Rand, us int64) string {
	var b [20]byte
	n := putBase(b[:], 0, uint64(g.epoch+floorDiv(us, 1e6)), 6, base62)
	b[n] = '-'
	n = putBase(b[:], n+1, uint64(g.nextInode(rng)), 6, base62)
	b[n] = '-'
	n = putBase(b[:], n+1, uint64(us%1e6)*3844/1e6, 2, base62)
	return string(b[:n])
}

// putBase writes v in the given alphabet, at least width digits, at b[n:].
func putBase(b []byte, n int, v uint64, width int, alphabet string) int {
	base := uint64(len(alphabet))
	var tmp [16]byte
	i := len(tmp)
	for v > 0 || i > len(tmp)-width {
		i--
		tmp[i] = alphabet[v%base]
		v /= base
	}
	return n + copy(b[n:], tmp[i:])
}

// pidPool models the processes of one daemon: a few long-lived pids, each
// replaced now and then by a new process.
type pidPool struct {
	pids []int64
}

func newPidPool(p *pidCounter, rng *rand.Rand, n int) pidPool {
	pp := pidPool{pids: make([]int64, n)}
	for i := range pp.pids {
		pp.pids[i] = p.next(rng)
	}
	return pp
}

func (pp *pidPool) pick(p *pidCounter, rng *rand.Rand) int64 {
	i := rng.IntN(len(pp.pids))
	if rng.IntN(500) == 0 { // max_use reached: a fresh process
		pp.pids[i] = p.next(rng)
	}
	return pp.pids[i]
}

// pidCounter hands out increasing pids that wrap like the kernel's.
type pidCounter struct{ last int64 }

func (p *pidCounter) next(rng *rand.Rand) int64 {
	p.last += 1 + int64(rng.IntN(40))
	if p.last > 4194304 {
		p.last = 300 + p.last%1000
	}
	return p.last
}
