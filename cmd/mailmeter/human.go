package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mailmeter/mailmeter/metering"
)

// humanDuration writes seconds for people: "0.42s", "12.3s", "14m42s",
// "2h05m", "3d04h".
func humanDuration(sec float64) string {
	switch {
	case math.IsNaN(sec) || math.IsInf(sec, 0):
		return "-"
	case sec < 0:
		return "-" + humanDuration(-sec)
	case sec < 10:
		return trimZero(fmt.Sprintf("%.2f", sec)) + "s"
	case sec < 60:
		return trimZero(fmt.Sprintf("%.1f", sec)) + "s"
	}
	s := int64(math.Round(sec))
	switch {
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

func trimZero(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' && containsDot(s) {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func containsDot(s string) bool {
	for i := range len(s) {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// humanBytes writes a size in SI units, as billing counts them (1 GB =
// 10⁹ bytes): "812 B", "1.5 kB", "23.4 MB", "1.2 GB".
func humanBytes(n int64) string {
	if n < 0 {
		return "-" + humanBytes(-n)
	}
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB", "EB"} {
		v /= 1000
		if v < 999.95 {
			return trimZero(fmt.Sprintf("%.1f", v)) + " " + unit
		}
	}
	return trimZero(fmt.Sprintf("%.1f", v)) + " EB"
}

// metricCell writes a metric's value for a table: sizes in human units
// unless raw, counts as they are.
func metricCell(m metering.Metric, v int64, raw bool) string {
	if !raw && strings.HasSuffix(string(m), "_bytes") {
		return humanBytes(v)
	}
	return strconv.FormatInt(v, 10)
}
