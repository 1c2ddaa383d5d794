package casefile

import (
	"regexp"
	"strings"
	"unicode"
)

// People type the numbers they read off paper: a 案号 with "(2026)",
// "[2026]", "【2026】" or "（2026）" for the official "〔2026〕", full-width
// digits from a Chinese input method, stray spaces from a copy. Both
// numbers are normalised once, here, before they are validated, stored or
// looked up, so every way of typing one number finds the same case.

// yearBrackets is a year (four digits) in any of the brackets people use
// for the official 六角括号 〔〕.
var yearBrackets = regexp.MustCompile(`[(\[（［【〔〖﹝{｛]([0-9]{4})[)\]）］】〕〗﹞}｝]`)

// NormalizeCaseNo is case number s as registered: no spaces, ASCII digits
// and letters for their full-width forms, and the year in 〔〕
// (京检刑诉（2026）12号 → 京检刑诉〔2026〕12号).
func NormalizeCaseNo(s string) string {
	return yearBrackets.ReplaceAllString(halfWidth(s), "〔$1〕")
}

// NormalizeLicense is practice certificate number s with full-width digits
// made ASCII and spaces (and the hyphens of a grouped number) dropped:
// what is left is validated as 17 (or 12) digits.
func NormalizeLicense(s string) string {
	return strings.ReplaceAll(halfWidth(s), "-", "")
}

// halfWidth drops every space (ASCII, ideographic, non-breaking) and turns
// the full-width forms of ASCII digits and letters into ASCII. Brackets and
// other punctuation keep their width: NormalizeCaseNo decides the year's.
func halfWidth(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			continue
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			r -= '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}
