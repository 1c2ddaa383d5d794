package dossier

import (
	"fmt"
	"math"
	"strings"

	"github.com/yuejuan/yuejuan/internal/pdftext"
)

// stampContent draws the stamp for a page shown w × h points: three
// parallel diagonal lines across the page and a footer line.
func stampContent(tk pdftext.Drawer, text string, w, h float64) string {
	var b strings.Builder
	// Diagonal, bottom left to top right; each line sized to fit its chord.
	angle := math.Atan2(h, w)
	cos, sin := math.Cos(angle), math.Sin(angle)
	unit := tk.Width(text, 1)
	b.WriteString("q /G0 gs 0.75 0 0 rg\n")
	gap := math.Min(w, h) * 0.28
	for _, off := range []float64{-gap, 0, gap} {
		// centre of the line, offset perpendicular to the diagonal
		cx, cy := w/2-off*sin, h/2+off*cos
		size := math.Min(26, 0.8*chord(cx, cy, cos, sin, w, h-24)/unit)
		if size < 4 {
			continue
		}
		tw := unit * size
		x := cx - cos*tw/2 + sin*size*0.35
		y := cy - sin*tw/2 - cos*size*0.35
		fmt.Fprintf(&b, "BT /%s %s Tf %s %s %s %s %s %s Tm %s Tj ET\n", fontKey, ff(size),
			ff(cos), ff(sin), ff(-sin), ff(cos), ff(x), ff(y), tk.Hex(text))
	}
	b.WriteString("Q\n")
	// Footer, on a white band so it stays legible over a scan.
	fs := math.Min(8, (w-24)/unit)
	fw := unit * fs
	fmt.Fprintf(&b, "q /G1 gs 1 g %s 3 %s %s re f 0.6 0 0 rg\n", ff((w-fw)/2-4), ff(fw+8), ff(fs+5))
	tk.Show(&b, fontKey, text, fs, (w-fw)/2, 5.5)
	b.WriteString("Q\n")
	return b.String()
}

// chord is the length of the line through (cx, cy) with direction (dx, dy)
// inside the rectangle [0,w]×[24,24+h].
func chord(cx, cy, dx, dy, w, h float64) float64 {
	cy -= 24
	lo, hi := math.Inf(-1), math.Inf(1)
	clip := func(p, d, max float64) {
		if d == 0 {
			if p < 0 || p > max {
				lo, hi = 0, 0
			}
			return
		}
		t1, t2 := -p/d, (max-p)/d
		if t1 > t2 {
			t1, t2 = t2, t1
		}
		lo, hi = math.Max(lo, t1), math.Min(hi, t2)
	}
	clip(cx, dx, w)
	clip(cy, dy, h)
	if hi < lo {
		return 0
	}
	return hi - lo
}
