package ocrtruth

import (
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CER is the character error rate of got against truth: the edit distance
// (insertions, deletions, substitutions) over the truth's length, after
// NFKC (Tesseract often gives ASCII ,:() for the full-width ones) and
// without white space (where a reader puts spaces is layout, not text).
func CER(got, truth string) float64 {
	a, b := flat(got), flat(truth)
	if len(b) == 0 {
		return float64(len(a))
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(b)]) / float64(len(b))
}

func flat(s string) []rune {
	var out []rune
	for _, r := range norm.NFKC.String(s) {
		if !unicode.IsSpace(r) {
			out = append(out, r)
		}
	}
	return out
}
