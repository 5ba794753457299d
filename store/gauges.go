package store

import (
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// The gauge merge rule is metering's (GaugeDelta.Merge, Supersedes); the
// upserts below state it in SQL for usage_gauges and storage_current, on
// both databases (TestGaugeMergeFollowsMetering holds them together).

// supersedes is metering.Supersedes for an upsert into table: the row
// being written ("excluded") replaces the stored one unless its
// observation is older.
func supersedes(table string) string {
	return "excluded.observed_at >= " + table + ".observed_at"
}

// gaugeMerge returns, for an upsert into table, the expression of each
// column: those of newest take the superseding row's value, those of
// larger the larger value.
func gaugeMerge(table string, newest, larger []string) map[string]string {
	out := map[string]string{}
	for _, c := range newest {
		out[c] = "CASE WHEN " + supersedes(table) + " THEN excluded." + c + " ELSE " + table + "." + c + " END"
	}
	for _, c := range larger {
		out[c] = "CASE WHEN excluded." + c + " > " + table + "." + c + " THEN excluded." + c + " ELSE " + table + "." + c + " END"
	}
	return out
}

// usageGaugesMerge and storageCurrentMerge are the merges of the two
// tables: a folder's last and max per hour, a mailbox's newest total.
var (
	usageGaugesMerge    = gaugeMerge("usage_gauges", []string{"last", "observed_at"}, []string{"max"})
	storageCurrentMerge = gaugeMerge("storage_current", []string{"hour", "last", "observed_at"}, nil)
)

// assignments are the merge's columns as gorm update expressions.
func assignments(merge map[string]string) map[string]any {
	out := make(map[string]any, len(merge))
	for c, e := range merge {
		out[c] = gorm.Expr(e)
	}
	return out
}

// setClause is the merge's columns as an UPDATE SET list, in column order.
func setClause(merge map[string]string) string {
	sets := make([]string, 0, len(merge))
	for _, c := range slices.Sorted(maps.Keys(merge)) {
		sets = append(sets, c+" = "+merge[c])
	}
	return strings.Join(sets, ",\n  ")
}
