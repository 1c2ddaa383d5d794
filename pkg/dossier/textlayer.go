package dossier

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdftext"
	"github.com/yuejuan/yuejuan/pkg/ocr"
)

// The text layer (issue 18, docs/ocr.md): the words text recognition found
// on a scanned page (Document.Words, an ocr.Result) are drawn on the page
// invisibly (text render mode 3) in the base's CJK font, whose complete
// ToUnicode map (pdftext.Kit) makes them searchable and copyable. Each
// word is placed and stretched onto the box it was recognised in, so that
// a search highlights the word on the image, and words are drawn in
// Tesseract's reading order, so that a copied passage reads in order.
//
// The words go into each page's page-number form (drawn in display
// coordinates, with the base's font resources), which the base already
// writes once per page: the text costs the base its bytes and the font
// its glyphs, and a lawyer's copy, which only appends its stamp, nothing.

// docWords are a document's recognised words.
type docWords = ocr.Result

// readWords reads a document's words; nil (no text layer) when it has none
// or they cannot be read: the page images stay as they are either way.
func readWords(path string) *docWords {
	if path == "" {
		return nil
	}
	r, err := ocr.ReadFile(path)
	if err != nil {
		return nil
	}
	return r
}

// textGlyphs are the characters of a document's text layer, each once,
// for the base's font subset (made before the pages are written).
func textGlyphs(path string) string {
	r := readWords(path)
	if r == nil {
		return ""
	}
	seen := map[rune]bool{}
	var b strings.Builder
	for _, p := range r.Pages {
		for _, w := range p.Words {
			for _, c := range w.Text {
				if !seen[c] {
					seen[c] = true
					b.WriteRune(c)
				}
			}
		}
	}
	return b.String()
}

// withText appends to the content of page i's page-number form (0-based
// in its document) the page's text layer, for a page displayed w × h
// points.
func withText(content []byte, words *docWords, i int, tk *pdftext.Kit, w, h float64) []byte {
	if words == nil || i >= len(words.Pages) {
		return content
	}
	p := &words.Pages[i]
	if len(p.Words) == 0 || p.W <= 0 || p.H <= 0 {
		return content
	}
	var b strings.Builder
	b.Write(content)
	b.WriteString("BT 3 Tr\n")
	textLayer(&b, tk, p, w, h)
	b.WriteString("ET\n")
	return []byte(b.String())
}

// textLayer writes the words of p, whose boxes are in pixels of a W × H
// image of the page, onto a page of w × h points. The words of a line
// share one font size, from the median height of their boxes (the font's
// ideographs fill about 0.9 of its em; Tesseract's box is round the ink),
// and one baseline, a ninth of that below the line of the boxes' bottoms
// fitted by least squares: on a page scanned askew the line slants, and
// its words are drawn along the slant, so that readers neither split a
// line nor run into the next one (at 2°, a line drifts by most of a line
// spacing across the page). Each word is stretched (horizontal scaling)
// to its box's width.
func textLayer(b *strings.Builder, tk *pdftext.Kit, p *ocr.Page, w, h float64) {
	sx, sy := w/float64(p.W), h/float64(p.H)
	f := pdffile.FormatFloat
	type fit struct {
		size        float64
		slope, at0  float64 // bottom = at0 + slope·x, in points, y up
		cos, sin    float64
		heights     []float64
		n, x, y, xx float64 // sums for the least squares
		xy          float64
	}
	lines := map[int]*fit{}
	for _, wd := range p.Words {
		l := lines[wd.Line]
		if l == nil {
			l = &fit{}
			lines[wd.Line] = l
		}
		x := float64(wd.Box[0]+wd.Box[2]) / 2 * sx
		y := h - float64(wd.Box[3])*sy
		l.heights = append(l.heights, float64(wd.Box[3]-wd.Box[1])*sy)
		l.n, l.x, l.y, l.xx, l.xy = l.n+1, l.x+x, l.y+y, l.xx+x*x, l.xy+x*y
	}
	for _, l := range lines {
		slices.Sort(l.heights)
		l.size = l.heights[len(l.heights)/2] * 1.1
		if d := l.n*l.xx - l.x*l.x; l.n >= 2 && d > 1e-9 {
			l.slope = (l.n*l.xy - l.x*l.y) / d
		}
		// A slope beyond 5° is not a skewed line but a misread one.
		l.slope = max(-0.09, min(0.09, l.slope))
		l.at0 = (l.y - l.slope*l.x) / l.n
		n := math.Hypot(1, l.slope)
		l.cos, l.sin = 1/n, l.slope/n
	}
	for _, wd := range p.Words {
		l := lines[wd.Line]
		x0, x1 := float64(wd.Box[0])*sx, float64(wd.Box[2])*sx
		if l.size <= 0 || x1 <= x0 {
			continue
		}
		natural := tk.Width(wd.Text, l.size)
		scale := 100.0
		if natural > 0 {
			scale = 100 * (x1 - x0) / natural / l.cos
		}
		base := l.at0 + l.slope*x0 + l.size/9
		fmt.Fprintf(b, "/%s %s Tf %s Tz %s %s %s %s %s %s Tm %s Tj\n", fontKey, f(l.size), f(scale),
			f(l.cos), f(l.sin), f(-l.sin), f(l.cos), f(x0), f(base), tk.Hex(wd.Text))
	}
}
