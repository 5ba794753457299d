package main

import "testing"

func TestHumanDuration(t *testing.T) {
	for sec, want := range map[float64]string{0: "0s", 0.42: "0.42s", 1.5: "1.5s", 12.34: "12.3s", 59.96: "60s", 60: "1m00s", 882: "14m42s",
		2100: "35m00s", 7500: "2h05m", 90061: "1d01h", -3: "-3s"} {
		if got := humanDuration(sec); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", sec, got, want)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1 kB", 1500: "1.5 kB", 23_400_000: "23.4 MB",
		999_999_999: "1 GB", 1_200_000_000: "1.2 GB", 9_223_372_036_854_775_807: "9.2 EB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
