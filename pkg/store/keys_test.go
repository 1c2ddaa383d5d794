package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// TimeKey sorts as times do, whatever their zone or fraction; SortKey
// picks the index's key.
func TestKeys(t *testing.T) {
	bj := time.FixedZone("CST", 8*3600)
	times := []time.Time{
		time.Date(2026, 3, 1, 8, 59, 59, 999_999_999, bj),
		time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), // 09:00 in Beijing
		time.Date(2026, 3, 1, 9, 0, 0, 5, bj),
		time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC),
	}
	var keys []string
	for _, tm := range times {
		keys = append(keys, store.TimeKey(tm))
	}
	if !slices.IsSorted(keys) || len(keys[0]) != len(keys[3]) {
		t.Errorf("time keys %q: want sorted as the times, of one width", keys)
	}
	it := store.Item{SK: "s", GSI1SK: "g1", GSI2SK: "g2"}
	for index, want := range map[string]string{store.Primary: "s", store.GSI1: "g1", store.GSI2: "g2"} {
		if got := it.SortKey(index); got != want {
			t.Errorf("SortKey(%q) = %q, want %q", index, got, want)
		}
	}
}
