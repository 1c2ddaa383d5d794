package dossier

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

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
	// The spaces that fill gaps between words (textLayer).
	seen := map[rune]bool{' ': true, '\u3000': true}
	var b strings.Builder
	b.WriteString(" \u3000")
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
	textLayer(&b, tk, p, w, h)
	return []byte(b.String())
}

// The layer is laid out for what readers need to put its text in order
// (docs/ocr.md). pdftotext's layout analysis (poppler's TextOutputDev) joins
// characters into a line only when they share a baseline (within half the
// font size) and a font size, overlap by less than half the font size and
// leave gaps under one and a half; a line's pieces farther apart than about
// one font size become columns; lines join a block (kept together, in
// order) only at one font size (within 5 %) and baselines at most 1.5 font
// sizes apart. Tesseract's boxes are each word's ink: each has its own
// height, the gaps between them are the glyphs' margins, and neighbours
// overlap now and then. Drawn box by box, at each box's height, lines fell
// apart into pieces that were then ordered as columns. So the words of a
// visual line are drawn in one text object on one baseline (following the
// line's slant within a quarter of the size) in one size (the page's, when
// within a fifth of it, made large enough for the page's line spacing to
// join its lines into blocks), edge to edge, meeting in the middle of the
// gap between their boxes, with a space where the gap is a word space and
// an ideographic space where it is wider.

// wideGap is the gap, in ems, above which two words of a line are apart
// (an ideographic space between them); the gap between two Chinese
// characters is their glyphs' margins, a fifth of an em or so, or
// more where Tesseract's box missed part of a character.
const wideGap = 0.9

// layerLine is a visual line of a page: the words Tesseract put on one or
// more of its lines that sit side by side on the image.
type layerLine struct {
	segs        [][]ocr.Word // Tesseract's lines, left to right
	x0, x1      int          // horizontal extent, pixels
	top, bottom float64      // median top and bottom of the words' boxes
	em          float64      // estimated font size, pixels
}

func (l *layerLine) height() float64 { return l.bottom - l.top }

// visualLines groups a page's words into visual lines, in Tesseract's
// reading order. Tesseract numbers the lines it finds; a line of the image
// can come out as two (a heading beside a date, a line split at a wide gap),
// so a line whose vertical extent overlaps an earlier one's by more than half
// of the lower of the two, and which lies beside it rather than under it, is
// drawn as part of it.
func visualLines(words []ocr.Word) []*layerLine {
	var segs [][]ocr.Word
	at := map[int]int{}
	for _, w := range words {
		if strings.TrimSpace(w.Text) == "" || w.Box[2] <= w.Box[0] || w.Box[3] <= w.Box[1] {
			continue
		}
		i, ok := at[w.Line]
		if !ok {
			i = len(segs)
			at[w.Line] = i
			segs = append(segs, nil)
		}
		segs[i] = append(segs[i], w)
	}
	var lines []*layerLine
next:
	for _, s := range segs {
		l := newLine(s)
		for _, v := range lines {
			ov := min(v.bottom, l.bottom) - max(v.top, l.top)
			side := l.x0 >= v.x1-int(v.em/2) || l.x1 <= v.x0+int(v.em/2)
			if side && ov > 0.5*min(v.height(), l.height()) {
				v.add(s)
				continue next
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// slant is where the middle of the line's words is (cx, cy, pixels) and
// its slope: the median of the slopes between the middles of its Chinese
// words (their boxes are the surest; words of other letters if it has
// none) at least two ems apart.
func (l *layerLine) slant() (cx, cy, slope float64) {
	type pt struct{ x, y float64 }
	var all, han []pt
	for _, s := range l.segs {
		for _, w := range s {
			p := pt{float64(w.Box[0]+w.Box[2]) / 2, float64(w.Box[1]+w.Box[3]) / 2}
			all = append(all, p)
			if h := float64(w.Box[3] - w.Box[1]); strings.IndexFunc(w.Text, wide) >= 0 && h > 0.8*l.em && h < 1.1*l.em {
				han = append(han, p)
			}
		}
	}
	ps := han
	if len(ps) < 3 {
		ps = all
	}
	var xs, ys, slopes []float64
	for _, p := range ps {
		xs, ys = append(xs, p.x), append(ys, p.y)
	}
	// At most 64 points: the pairs are their square.
	step := max(1, len(ps)/64)
	for i := 0; i < len(ps); i += step {
		for j := i + step; j < len(ps); j += step {
			if dx := ps[j].x - ps[i].x; math.Abs(dx) >= 2*l.em {
				slopes = append(slopes, (ps[j].y-ps[i].y)/dx)
			}
		}
	}
	return medianOf(xs), medianOf(ys), medianOf(slopes)
}

func newLine(s []ocr.Word) *layerLine {
	l := &layerLine{}
	l.add(s)
	return l
}

// add puts a segment into the line and measures it again.
func (l *layerLine) add(s []ocr.Word) {
	l.segs = append(l.segs, s)
	sort.SliceStable(l.segs, func(i, j int) bool { return l.segs[i][0].Box[0] < l.segs[j][0].Box[0] })
	var tops, bottoms, ems []float64
	l.x0, l.x1 = math.MaxInt, math.MinInt
	for _, s := range l.segs {
		for _, w := range s {
			l.x0, l.x1 = min(l.x0, w.Box[0]), max(l.x1, w.Box[2])
			tops = append(tops, float64(w.Box[1]))
			bottoms = append(bottoms, float64(w.Box[3]))
			ems = append(ems, emOf(w))
		}
	}
	l.top, l.bottom, l.em = medianOf(tops), medianOf(bottoms), medianOf(ems)
}

// emOf estimates the font size of a word from its box: the ink of a
// Chinese character fills about 0.95 of the em, a digit or capital about
// 0.72.
func emOf(w ocr.Word) float64 {
	h := float64(w.Box[3] - w.Box[1])
	for _, r := range w.Text {
		if wide(r) {
			return h / 0.95
		}
	}
	return h / 0.72
}

// wide reports whether r is written without spaces around it: Han
// characters, kana, hangul and the full-width punctuation of CJK text.
func wide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// textLayer writes the words of p, whose boxes are in pixels of a W × H
// image of the page, onto a page of w × h points, invisibly (render mode
// 3): a text object per visual line, on one baseline and in one font size,
// each word stretched (horizontal scaling) from the middle of the gap
// before it to the middle of the gap after, so that a search highlights the
// word on the image. A gap wider than a word space (a fifth of an em beside
// Latin letters or digits) gets a space glyph spanning it, one wider than
// wideGap an ideographic space; narrower gaps are the glyphs' own margins
// and are shared by the words on either side, so that readers put no space
// there.
func textLayer(b *strings.Builder, tk *pdftext.Kit, p *ocr.Page, w, h float64) {
	sx, sy := w/float64(p.W), h/float64(p.H)
	f := pdffile.FormatFloat
	lines := visualLines(p.Words)
	var ems []float64
	for _, l := range lines {
		ems = append(ems, l.em)
	}
	pageEm := medianOf(ems)
	// pdftotext joins lines into a block (a paragraph, whose lines it keeps
	// together and in order, whatever their gaps) when their baselines are
	// at most 1.5 font sizes apart. Lines 1.5-spaced are two ems apart:
	// the layer's text is drawn that much larger than the ink (up to 1.5
	// ems), so that lines at the page's usual spacing make one block.
	var mids, steps []float64
	for _, l := range lines {
		mids = append(mids, (l.top+l.bottom)/2)
	}
	slices.Sort(mids)
	for i := 1; i < len(mids); i++ {
		if d := mids[i] - mids[i-1]; d > pageEm/2 {
			steps = append(steps, d)
		}
	}
	grow := max(1, min(1.5, medianOf(steps)/(1.4*pageEm)))
	for _, l := range lines {
		em := l.em
		if math.Abs(em-pageEm) <= 0.2*pageEm {
			em = pageEm
		}
		size := em * grow * sy
		var ws []ocr.Word
		for _, s := range l.segs {
			ws = append(ws, s...)
		}
		// The baseline follows the line's slant (a page scanned askew) as
		// far as pdftotext keeps words on one line: within half the font
		// size of each other. The glyphs' box runs from 0.2 of the size
		// below the baseline to 0.8 above (the font's descent and ascent),
		// so the baseline is 0.3 of it below the ink's middle.
		cx, cy, slope := l.slant()
		for i := 1; i < len(ws); i++ {
			if float64(ws[i].Box[0]-ws[i-1].Box[2]) > wideGap*em {
				// pdftotext may break the line at a wide gap and puts the
				// higher piece first: a line with one is drawn level.
				slope = 0
			}
		}
		base := func(x0, x1 float64) float64 {
			d := max(-0.24*em*grow, min(0.24*em*grow, slope*((x0+x1)/2-cx)))
			return h - (cy+d)*sy - 0.3*size
		}
		fmt.Fprintf(b, "BT 3 Tr /%s %s Tf\n", fontKey, f(size))
		show := func(s string, x0, x1 float64) {
			natural := tk.Width(s, size)
			if natural <= 0 || x1 <= x0 {
				return
			}
			fmt.Fprintf(b, "%s Tz 1 0 0 1 %s %s Tm %s Tj\n", f(100*(x1-x0)*sx/natural), f(x0*sx), f(base(x0, x1)), tk.Hex(s))
		}
		start := float64(ws[0].Box[0])
		for i, wd := range ws {
			rs := []rune(wd.Text)
			end := float64(wd.Box[2])
			next := end
			if i+1 < len(ws) {
				next = float64(ws[i+1].Box[0])
			}
			// A box far narrower than its text (Tesseract gives a comma's
			// box to the word it starts) is widened to the text's width,
			// as far as the next word.
			if natural := tk.Width(wd.Text, em); end-start < natural/4 {
				end = start + natural
				if i+1 < len(ws) {
					end = max(min(end, next), float64(wd.Box[2]))
				}
			}
			if i+1 < len(ws) {
				nx := ws[i+1]
				gap := next - end
				limit := 0.2 * em
				if wide(rs[len(rs)-1]) && wide([]rune(nx.Text)[0]) {
					limit = wideGap * em
				}
				if gap <= limit {
					// Glyphs' margins: the words meet in the middle of
					// the gap (at the next word's edge where they overlap).
					end = min(end+gap/2, next)
					next = end
				}
			}
			end = max(end, start+0.3*em*float64(len(rs)))
			show(wd.Text, start, end)
			next = max(next, end)
			switch {
			case next-end > wideGap*em:
				// Wider than a word space: what a Chinese text leaves
				// between two fields, which viewers copy as such
				// (pdftotext drops it, as it drops spaces).
				show("\u3000", end, next)
			case next > end:
				show(" ", end, next)
			}
			start = next
		}
		b.WriteString("ET\n")
	}
}
