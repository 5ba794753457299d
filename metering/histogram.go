package metering

import (
	"math"
	"sort"
	"time"
)

// Histogram counts delivery delays in log-scale buckets. Bucket b holds
// delays d with upper(b-1) < d ≤ upper(b), where upper(b) = 2^(b/4)
// milliseconds (about 19% wide) and bucket 0 holds everything up to 1 ms.
// Histograms merge by adding counts, so hours combine into months exactly
// to the bucket without keeping samples.
type Histogram struct {
	Counts map[int]int64
	Total  int64
}

// MaxBucket is the last bucket whose upper bound a time.Duration holds
// (2^43 ms, about 278 years): buckets lie in [0, MaxBucket], and longer
// delays count in MaxBucket.
const MaxBucket = 172

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{Counts: map[int]int64{}} }

// BucketOf returns the bucket a delay falls into.
func BucketOf(d time.Duration) int {
	ms := float64(d) / float64(time.Millisecond)
	if ms <= 1 {
		return 0
	}
	if d > BucketUpper(MaxBucket) {
		return MaxBucket
	}
	b := int(math.Ceil(4 * math.Log2(ms)))
	// Guard against rounding placing d just above its bucket's bound.
	for BucketUpper(b) < d {
		b++
	}
	for b > 0 && BucketUpper(b-1) >= d {
		b--
	}
	return b
}

// BucketUpper returns the largest delay in bucket b.
func BucketUpper(b int) time.Duration {
	return time.Duration(math.Exp2(float64(b)/4) * float64(time.Millisecond))
}

// Add counts n samples in bucket b.
func (h *Histogram) Add(b int, n int64) {
	h.Counts[b] += n
	h.Total += n
}

// Merge adds o's counts into h.
func (h *Histogram) Merge(o *Histogram) {
	for b, n := range o.Counts {
		h.Add(b, n)
	}
}

// Quantile returns the upper bound of the bucket holding the q-th quantile
// (0 < q ≤ 1), or 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.Total)))
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for _, b := range h.buckets() {
		seen += h.Counts[b]
		if seen >= rank {
			return BucketUpper(b)
		}
	}
	return BucketUpper(h.buckets()[len(h.Counts)-1])
}

// ShareWithin returns the fraction of samples whose bucket lies entirely at
// or below target (a conservative "delivered within target" figure; see
// ShareWithinBounds for the bucket that straddles the target).
func (h *Histogram) ShareWithin(target time.Duration) float64 {
	lo, _ := h.ShareWithinBounds(target)
	return lo
}

// ShareWithinBounds returns the least and the greatest fraction of samples
// that can have been delivered within target, given only the buckets: lo
// counts the buckets wholly at or below target, hi adds the one bucket that
// straddles it. They are equal when target is a bucket bound or the
// straddling bucket is empty.
func (h *Histogram) ShareWithinBounds(target time.Duration) (lo, hi float64) {
	if h.Total == 0 {
		return 0, 0
	}
	in, maybe := h.CountWithin(target)
	return float64(in) / float64(h.Total), float64(maybe) / float64(h.Total)
}

// CountWithin is ShareWithinBounds in samples: lo certainly within
// target, hi possibly.
func (h *Histogram) CountWithin(target time.Duration) (lo, hi int64) {
	for b, c := range h.Counts {
		switch {
		case BucketUpper(b) <= target:
			lo += c
		case b == 0 || BucketUpper(b-1) < target:
			hi += c
		}
	}
	return lo, lo + hi
}

func (h *Histogram) buckets() []int {
	bs := make([]int, 0, len(h.Counts))
	for b := range h.Counts {
		bs = append(bs, b)
	}
	sort.Ints(bs)
	return bs
}
