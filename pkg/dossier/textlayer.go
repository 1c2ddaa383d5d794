package dossier

import (
	"fmt"
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
// image of the page, onto a page of w × h points, each word on its own
// box: the font size is the box's height, the baseline a ninth of it above
// the box's bottom (the font's descent), and the horizontal scaling makes
// the word as wide as its box. Words of a line on a page scanned askew
// thus follow its slant. Giving a line's words one size and one baseline
// (fitted along the line or not) made pdftotext split lines and reorder
// their pieces: 8-11 % CER on the clean pages of the ground truth against
// 1.6-2.5 % word by word, 45-57 % on the skewed ones (docs/ocr.md).
func textLayer(b *strings.Builder, tk *pdftext.Kit, p *ocr.Page, w, h float64) {
	sx, sy := w/float64(p.W), h/float64(p.H)
	f := pdffile.FormatFloat
	for _, wd := range p.Words {
		x0, x1 := float64(wd.Box[0])*sx, float64(wd.Box[2])*sx
		top, bottom := h-float64(wd.Box[1])*sy, h-float64(wd.Box[3])*sy
		size := top - bottom
		if size <= 0 || x1 <= x0 {
			continue
		}
		natural := tk.Width(wd.Text, size)
		scale := 100.0
		if natural > 0 {
			scale = 100 * (x1 - x0) / natural
		}
		fmt.Fprintf(b, "/%s %s Tf %s Tz 1 0 0 1 %s %s Tm %s Tj\n", fontKey, f(size), f(scale), f(x0), f(bottom+size/9), tk.Hex(wd.Text))
	}
}
