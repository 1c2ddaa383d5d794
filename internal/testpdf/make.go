package testpdf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand"
	"os"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdfpage"
)

// Page describes a page of a generated PDF.
type Page struct {
	Marker string    // text drawn on the page (Helvetica, extractable)
	Rotate int       // /Rotate
	Media  []float64 // MediaBox, default A4
	Crop   []float64 // CropBox, optional
}

// Make writes a PDF made with pdfcpu.
func Make(t testing.TB, path string, pgs ...Page) {
	t.Helper()
	pc, err := pdfcpu.CreateContextWithXRefTable(nil, types.PaperSize["A4"])
	if err != nil {
		t.Fatal(err)
	}
	xt := pc.XRefTable
	fref, err := pdffont.CoreFontDict(xt, "Helvetica")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pgs {
		media := p.Media
		if media == nil {
			media = []float64{0, 0, 595.28, 841.89}
		}
		content := fmt.Sprintf("BT /F1 24 Tf %g %g Td (%s) Tj ET\n0 0 1 rg %g %g 40 40 re f\n",
			media[0]+60, media[1]+(media[3]-media[1])/2, p.Marker, media[0]+60, media[1]+60)
		sd, _ := xt.NewStreamDictForBuf([]byte(content))
		if err := sd.Encode(); err != nil {
			t.Fatal(err)
		}
		cref, _ := xt.IndRefForNewObject(*sd)
		d := types.Dict{
			"Type":      types.Name("Page"),
			"MediaBox":  types.NewNumberArray(media...),
			"Contents":  *cref,
			"Resources": types.Dict{"Font": types.Dict{"F1": *fref}},
		}
		if p.Rotate != 0 {
			d["Rotate"] = types.Integer(p.Rotate)
		}
		if p.Crop != nil {
			d["CropBox"] = types.NewNumberArray(p.Crop...)
		}
		if _, err := pdfpage.Append(pc, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := api.WriteContextFile(pc, path); err != nil {
		t.Fatal(err)
	}
}

// ScanImage draws a page-like test image with some structure.
func ScanImage(w, h int, gray bool) image.Image {
	if gray {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint8(255)
				if (x/16+y/16)%7 == 0 || y%40 < 2 {
					v = 0
				}
				img.Pix[y*img.Stride+x] = v
			}
		}
		return img
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return img
}

// EncodeJPEG encodes img at quality 80.
func EncodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// WithJFIF inserts a JFIF APP0 segment with a density in dpi.
func WithJFIF(data []byte, dpi int) []byte {
	seg := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(seg[12:], uint16(dpi))
	binary.BigEndian.PutUint16(seg[14:], uint16(dpi))
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// WriteFile writes data to path and returns path.
func WriteFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ScanJPEG is a gray A4 page scanned at w × h pixels: paper noise and lines
// of word-like marks, JPEG quality q (1240 × 1754, noise 3, q 70: a 150 dpi
// scan of about 265 KB, the benchmarks' page). Equal arguments, equal bytes.
func ScanJPEG(seed int64, w, h, noise, q int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewSource(seed))
	for i := range img.Pix {
		img.Pix[i] = uint8(250 - r.Intn(noise))
	}
	lh := h / 48
	for line := h / 12; line < h*11/12; line += lh * 3 {
		x := w / 10
		for x < w*9/10 {
			words := 3 + r.Intn(10)
			for c := 0; c < words && x < w*9/10; c++ {
				cw := lh * (6 + r.Intn(5)) / 10
				for y := line; y < line+lh; y++ {
					for xx := x; xx < min(x+cw, w); xx++ {
						if (xx+y)%5 != 0 || r.Intn(4) > 0 {
							img.Pix[y*img.Stride+xx] = 40
						}
					}
				}
				x += cw + lh/8
			}
			x += lh / 2
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	return b.Bytes()
}
