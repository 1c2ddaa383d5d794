package main

import (
	"fmt"
	"io"
	"strings"
)

// writeTable prints rows (the first the header) in columns aligned for a
// terminal, a cell's line breaks and tabs as spaces; the last column is not
// padded, so a long last cell (a record's detail) only runs on.
func writeTable(w io.Writer, rows [][]string) {
	if len(rows) == 0 {
		return
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	oneLine := strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			c = oneLine.Replace(c)
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// displayWidth counts East Asian wide and full-width characters as two
// columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3,
			r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6,
			r >= 0x20000 && r <= 0x3FFFD:
			n += 2
		default:
			n++
		}
	}
	return n
}
