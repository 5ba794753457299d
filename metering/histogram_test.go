package metering

import (
	"math"
	"testing"
	"time"
)

func TestShareWithinBounds(t *testing.T) {
	h := NewHistogram()
	for _, d := range []time.Duration{500 * time.Millisecond, 30 * time.Second, 58 * time.Second, 62 * time.Second, 10 * time.Minute} {
		h.Add(BucketOf(d), 1)
	}
	// 58 s and 62 s share the bucket (55.1 s, 65.5 s] that straddles 60 s.
	if BucketOf(58*time.Second) != BucketOf(62*time.Second) {
		t.Fatal("test assumes 58 s and 62 s share a bucket")
	}
	lo, hi := h.ShareWithinBounds(time.Minute)
	if lo != 0.4 || hi != 0.8 {
		t.Errorf("bounds at 60 s = %v, %v; want 0.4, 0.8", lo, hi)
	}
	if s := h.ShareWithin(time.Minute); s != lo {
		t.Errorf("ShareWithin = %v, want the lower bound %v", s, lo)
	}
	// At a bucket bound the two agree.
	b := BucketUpper(BucketOf(62 * time.Second))
	if lo, hi := h.ShareWithinBounds(b); lo != 0.8 || hi != 0.8 {
		t.Errorf("bounds at the bound %v = %v, %v; want 0.8, 0.8", b, lo, hi)
	}
	// Below the first bucket's bound only bucket 0 can be within.
	if lo, hi := h.ShareWithinBounds(time.Microsecond); lo != 0 || hi != 0 {
		t.Errorf("bounds at 1 µs = %v, %v; want 0, 0 (no sample in bucket 0)", lo, hi)
	}
	h.Add(0, 5)
	if lo, hi := h.ShareWithinBounds(time.Microsecond); lo != 0 || hi != 0.5 {
		t.Errorf("bounds at 1 µs with bucket 0 used = %v, %v; want 0, 0.5", lo, hi)
	}
	if lo, hi := NewHistogram().ShareWithinBounds(time.Minute); lo != 0 || hi != 0 {
		t.Errorf("empty histogram bounds = %v, %v", lo, hi)
	}
}

// MaxBucket is the last bucket a time.Duration can bound, and every delay,
// however long, falls in [0, MaxBucket] (the longest ones once hung
// BucketOf, whose bounds overflowed).
func TestMaxBucket(t *testing.T) {
	if up, below := BucketUpper(MaxBucket), BucketUpper(MaxBucket-1); up <= below || below <= 0 {
		t.Errorf("BucketUpper(MaxBucket) = %v, BucketUpper(MaxBucket-1) = %v; want growing positive bounds", up, below)
	}
	if next := math.Exp2(float64(MaxBucket+1)/4) * float64(time.Millisecond); next <= math.MaxInt64 {
		t.Errorf("bucket MaxBucket+1 = %d still has a bound a Duration holds", MaxBucket+1)
	}
	for _, d := range []time.Duration{0, time.Hour, BucketUpper(MaxBucket), BucketUpper(MaxBucket) + 1, math.MaxInt64} {
		if b := BucketOf(d); b < 0 || b > MaxBucket {
			t.Errorf("BucketOf(%v) = %d, want 0 to %d", d, b, MaxBucket)
		}
	}
}
