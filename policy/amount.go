package policy

import (
	"math"
	"math/bits"
)

// amount is a non-negative count of bytes or recipients whose arithmetic
// saturates instead of wrapping. Its ceiling, 2^64-1, is above every int64
// limit, so a sum or product that does not fit in an int64 is still over
// every limit: a message of size=9223372036854775807 to a mailbox with a
// limit of 2^63-1 bytes and some usage does not fit, as a person would say.
type amount uint64

const maxAmount = amount(math.MaxUint64)

// count converts a figure to an amount; a negative one (never expected)
// counts as zero.
func count(v int64) amount {
	if v < 0 {
		return 0
	}
	return amount(v)
}

func (a amount) plus(b amount) amount {
	s, carry := bits.Add64(uint64(a), uint64(b), 0)
	if carry != 0 {
		return maxAmount
	}
	return amount(s)
}

func (a amount) times(b amount) amount {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 {
		return maxAmount
	}
	return amount(lo)
}

// over reports whether a is above limit.
func (a amount) over(limit int64) bool { return a > count(limit) }
