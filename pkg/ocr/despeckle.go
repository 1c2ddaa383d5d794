package ocr

import (
	"image"
	"image/draw"
)

// Despeckle returns a grey copy of m with its specks removed: small dark
// blots (at most SpeckArea pixels, within a SpeckSize box, at 300 dpi;
// scaled to dpi) with no larger ink beside them on a line of text (within
// SpeckReach to the left or right and SpeckRise up or down). Dust and
// toner specks of a photocopied page are what Tesseract misreads most in
// one uniform block of text (psm 6): it takes them for characters (on the
// noisy ground truth, 35-41 % of characters wrong; docs/ocr.md). Full
// stops, commas and the dots of characters sit on a line next to larger
// strokes and stay; specks between the lines go.
// Ink is told from paper by Otsu's threshold of the page's histogram; the
// page stays grey (its anti-aliased edges help recognition), only the
// specks are painted over with white.
func Despeckle(m image.Image, dpi int) *image.Gray {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(g, g.Bounds(), m, b.Min, draw.Src)
	if w == 0 || h == 0 {
		return g
	}
	if dpi <= 0 {
		dpi = DefaultDPI
	}
	scale := float64(dpi) / 300
	maxArea := int(SpeckArea * scale * scale)
	maxSide := int(SpeckSize * scale)
	reach, rise := int(SpeckReach*scale+0.5), int(SpeckRise*scale+0.5)

	th := otsu(g.Pix)
	label := make([]int32, w*h)
	type comp struct{ x0, y0, x1, y1, n int }
	comps := []comp{{}}
	var stack []int
	for i, v := range g.Pix {
		if v > th || label[i] != 0 {
			continue
		}
		id := int32(len(comps))
		c := comp{x0: w, y0: h}
		label[i] = id
		stack = append(stack[:0], i)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			c.n++
			c.x0, c.y0, c.x1, c.y1 = min(c.x0, x), min(c.y0, y), max(c.x1, x), max(c.y1, y)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					if q := yy*w + xx; g.Pix[q] <= th && label[q] == 0 {
						label[q] = id
						stack = append(stack, q)
					}
				}
			}
		}
		comps = append(comps, c)
	}
	small := func(c comp) bool { return c.n <= maxArea && c.x1-c.x0 < maxSide && c.y1-c.y0 < maxSide }
	drop := make([]bool, len(comps))
	for id := 1; id < len(comps); id++ {
		c := comps[id]
		if !small(c) {
			continue
		}
		drop[id] = true
	scan:
		for y := max(0, c.y0-rise); y <= min(h-1, c.y1+rise); y++ {
			for x := max(0, c.x0-reach); x <= min(w-1, c.x1+reach); x++ {
				if l := label[y*w+x]; l != 0 && l != int32(id) && !small(comps[l]) {
					drop[id] = false
					break scan
				}
			}
		}
	}
	// Painted over with the speck's one-pixel rim, its anti-aliased edge.
	for i, l := range label {
		if l == 0 || !drop[l] {
			continue
		}
		x, y := i%w, i/w
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < w && yy < h {
					g.Pix[yy*w+xx] = 255
				}
			}
		}
	}
	return g
}

// The speck criteria at 300 dpi (Despeckle).
const (
	SpeckArea  = 90 // pixels
	SpeckSize  = 12 // pixels, each side of its box
	SpeckReach = 60 // pixels along a line (an em of 12-point text, 5 mm)
	SpeckRise  = 7  // pixels across it
)

// otsu is Otsu's threshold of grey levels: the level that best splits
// them in two classes (ink at or below it).
func otsu(pix []uint8) uint8 {
	var hist [256]int
	for _, v := range pix {
		hist[v]++
	}
	total, sum := len(pix), 0
	for i, c := range hist {
		sum += i * c
	}
	sumB, wB, best, th := 0, 0, 0.0, 128
	for t := range 256 {
		wB += hist[t]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += t * hist[t]
		mB := float64(sumB) / float64(wB)
		mF := float64(sum-sumB) / float64(wF)
		if v := float64(wB) * float64(wF) * (mB - mF) * (mB - mF); v > best {
			best, th = v, t
		}
	}
	return uint8(th)
}
