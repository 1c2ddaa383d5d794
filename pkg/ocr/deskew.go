package ocr

import (
	"image"
	"math"
)

// Skew estimates how far the lines of text on m are turned
// counter-clockwise, in degrees (within ±MaxSkew), by the projection
// profile: turned back by the right angle, a page's ink falls into
// sharp rows (the lines) and empty ones (the gaps between), so the sum
// of the squared row counts is largest. Ink is told from paper by Otsu's
// threshold; the page is sampled at every fourth pixel each way (a line
// of 12-point text at 300 dpi is still some 12 samples high).
func Skew(m *image.Gray) float64 {
	const step = 4
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	if w < 2*step || h < 2*step {
		return 0
	}
	th := otsu(m.Pix)
	var xs, ys []float64
	for y := 0; y < h; y += step {
		row := m.Pix[y*m.Stride:]
		for x := 0; x < w; x += step {
			if row[x] <= th {
				xs = append(xs, float64(x)/step)
				ys = append(ys, float64(y)/step)
			}
		}
	}
	if len(xs) == 0 {
		return 0
	}
	// Rows are indexed from -w/step (a line rising across the width) to
	// h/step + w/step.
	off := w/step + 1
	counts := make([]int, h/step+2*off+2)
	score := func(deg float64) float64 {
		clear(counts)
		t := math.Tan(deg * math.Pi / 180)
		for i, x := range xs {
			counts[int(ys[i]+x*t)+off]++
		}
		var s float64
		for _, c := range counts {
			s += float64(c) * float64(c)
		}
		return s
	}
	best, bestScore := 0.0, score(0)
	search := func(from, to, by float64) {
		for a := from; a <= to+by/2; a += by {
			if s := score(a); s > bestScore {
				best, bestScore = a, s
			}
		}
	}
	search(-MaxSkew, MaxSkew, 0.25)
	search(best-0.25, best+0.25, 0.05)
	return math.Round(best*100) / 100
}

// MaxSkew is the largest skew, in degrees, that Skew looks for: a page
// fed into a scanner askew is off by a degree or two; one much further
// off is on its side (OSD).
const MaxSkew = 5

// Rotate returns m turned clockwise by deg degrees about its centre
// (bilinear; white where nothing of m lands), the same size: a page
// skewed by deg (Skew) comes back level. Point maps a point of the
// result back onto m.
func Rotate(m *image.Gray, deg float64) *image.Gray {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	for y := range h {
		dy := float64(y) + 0.5 - cy
		row := out.Pix[y*out.Stride:]
		for x := range w {
			dx := float64(x) + 0.5 - cx
			// The point of m that lands here: (x, y) turned back
			// counter-clockwise (y grows downwards).
			sx := dx*cos + dy*sin + cx - 0.5
			sy := -dx*sin + dy*cos + cy - 0.5
			row[x] = bilinearAt(m, sx, sy)
		}
	}
	return out
}

// rotatedPoint is where the point (x, y) of an image of size w×h turned
// clockwise by deg about its centre (Rotate) lies on the image before it
// was turned.
func rotatedPoint(x, y float64, w, h int, deg float64) (float64, float64) {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	dx, dy := x-cx, y-cy
	return dx*cos + dy*sin + cx, -dx*sin + dy*cos + cy
}

// unrotateWords moves the boxes of words read on the page turned
// clockwise by deg (Rotate) back onto the page as it was: each box keeps
// its size and is centred where its centre was on the page before the
// turn, so that a search's highlight lands on the word in the scan.
func unrotateWords(words []Word, w, h int, deg float64) {
	for i := range words {
		b := &words[i].Box
		bw, bh := b[2]-b[0], b[3]-b[1]
		cx, cy := rotatedPoint(float64(b[0]+b[2])/2, float64(b[1]+b[3])/2, w, h, deg)
		x0 := int(math.Round(cx - float64(bw)/2))
		y0 := int(math.Round(cy - float64(bh)/2))
		x0 = max(0, min(x0, w-bw))
		y0 = max(0, min(y0, h-bh))
		*b = [4]int{x0, y0, x0 + bw, y0 + bh}
	}
}

// bilinearAt is m's grey level at (x, y) between pixel centres, white
// outside it.
func bilinearAt(m *image.Gray, x, y float64) uint8 {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
		return 255
	}
	fx, fy := x-float64(x0), y-float64(y0)
	i := y0*m.Stride + x0
	a, b := float64(m.Pix[i]), float64(m.Pix[i+1])
	c, d := float64(m.Pix[i+m.Stride]), float64(m.Pix[i+m.Stride+1])
	return uint8(a*(1-fx)*(1-fy) + b*fx*(1-fy) + c*(1-fx)*fy + d*fx*fy + 0.5)
}
