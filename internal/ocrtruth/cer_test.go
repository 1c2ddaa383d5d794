package ocrtruth

import (
	"math"
	"testing"
)

func TestCER(t *testing.T) {
	for _, c := range []struct {
		got, truth string
		want       float64
	}{
		{"张建国盗窃案", "张建国盗窃案", 0},
		{"张 建国\n盗窃案", "张建国盗窃案", 0},     // spaces are layout
		{"张建国,盗窃案", "张建国，盗窃案", 0},      // NFKC folds the full-width comma
		{"张建国盗窃", "张建国盗窃案", 1.0 / 6},   // a deletion
		{"张建围盗窃案", "张建国盗窃案", 1.0 / 6},  // a substitution
		{"张建国盗窃案件", "张建国盗窃案", 1.0 / 6}, // an insertion
		{"", "张建国", 1},
		{"张 建国,男", "张建国，男", 0},
		{"张建因，男", "张建国，男", 0.2},
		{"张建国", "张建国，男", 0.4},
	} {
		if got := CER(c.got, c.truth); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("CER(%q, %q) = %v, want %v", c.got, c.truth, got, c.want)
		}
	}
}
