package scan

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleTIFF is a one-page TIFF with chunky samples of 8 or 16 bits, for the
// gray+alpha, RGBA and 16-bit cases (ImageMagick's output for annotated
// pages), written in Go.
type sampleTIFF struct {
	w, h        int
	bps         int      // 8 or 16
	photometric int      // 1 BlackIsZero, 0 WhiteIsZero, 2 RGB
	extra       []uint16 // ExtraSamples values, one per extra sample
	// samples are interleaved, w*h*(colour+extra) values of bps bits.
	samples     []uint16
	compression int // 1 none, 8 Deflate, 32773 PackBits; 0: none
	predictor   int // 2: horizontal differencing
	rps         int // rows per strip; 0: one strip
	big         bool
	dpi         int
	format      int // SampleFormat to claim; 0: none
}

func (s sampleTIFF) spp() int {
	n := 1
	if s.photometric == 2 {
		n = 3
	}
	return n + len(s.extra)
}

func (s sampleTIFF) bytes() []byte {
	var bo interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	if s.big {
		bo = binary.BigEndian
		b = []byte{'M', 'M', 0, 42, 0, 0, 0, 0}
	}
	spp := s.spp()
	rps := s.rps
	if rps <= 0 || rps > s.h {
		rps = s.h
	}
	// Rows as stored (predictor applied).
	bytesPerSample := s.bps / 8
	row := func(y int) []byte {
		var out []byte
		prev := make([]uint16, spp)
		for x := 0; x < s.w; x++ {
			for c := 0; c < spp; c++ {
				v := s.samples[(y*s.w+x)*spp+c]
				st := v
				if s.predictor == 2 {
					st = v - prev[c]
					prev[c] = v
				}
				if bytesPerSample == 2 {
					out = bo.AppendUint16(out, st)
				} else {
					out = append(out, byte(st))
				}
			}
		}
		return out
	}
	var offs, counts []uint32
	for y0 := 0; y0 < s.h; y0 += rps {
		var raw []byte
		for y := y0; y < y0+rps && y < s.h; y++ {
			raw = append(raw, row(y)...)
		}
		switch s.compression {
		case 8:
			var z bytes.Buffer
			w := zlib.NewWriter(&z)
			w.Write(raw)
			w.Close()
			raw = z.Bytes()
		case 32773:
			var p []byte
			for i := 0; i < len(raw); i += 128 {
				n := min(128, len(raw)-i)
				p = append(p, byte(n-1))
				p = append(p, raw[i:i+n]...)
			}
			raw = p
		}
		offs = append(offs, uint32(len(b)))
		counts = append(counts, uint32(len(raw)))
		b = append(b, raw...)
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
	}
	// Out-of-line values.
	arr16 := func(vs ...uint16) (uint32, uint32) {
		if len(vs) <= 2 {
			var v [4]byte
			for i, x := range vs {
				bo.PutUint16(v[2*i:], x)
			}
			return uint32(len(vs)), bo.Uint32(v[:])
		}
		off := len(b)
		for _, x := range vs {
			b = bo.AppendUint16(b, x)
		}
		return uint32(len(vs)), uint32(off)
	}
	arr32 := func(vs []uint32) (uint32, uint32) {
		if len(vs) == 1 {
			return 1, vs[0]
		}
		off := len(b)
		for _, x := range vs {
			b = bo.AppendUint32(b, x)
		}
		return uint32(len(vs)), uint32(off)
	}
	type ent struct {
		tag, typ uint16
		n, val   uint32
	}
	bpsv := make([]uint16, spp)
	for i := range bpsv {
		bpsv[i] = uint16(s.bps)
	}
	nb, vb := arr16(bpsv...)
	no, vo := arr32(offs)
	nc, vc := arr32(counts)
	comp := s.compression
	if comp == 0 {
		comp = 1
	}
	short := func(v int) uint32 {
		var x [4]byte
		bo.PutUint16(x[:], uint16(v))
		return bo.Uint32(x[:])
	}
	ents := []ent{
		{256, 4, 1, uint32(s.w)}, {257, 4, 1, uint32(s.h)}, {258, 3, nb, vb}, {259, 3, 1, short(comp)},
		{262, 3, 1, short(s.photometric)}, {273, 4, no, vo}, {277, 3, 1, short(spp)}, {278, 4, 1, uint32(rps)}, {279, 4, nc, vc},
	}
	if s.dpi > 0 {
		res := len(b)
		b = bo.AppendUint32(b, uint32(s.dpi))
		b = bo.AppendUint32(b, 1)
		ents = append(ents, ent{282, 5, 1, uint32(res)}, ent{283, 5, 1, uint32(res)}, ent{296, 3, 1, short(2)})
	}
	if s.predictor != 0 {
		ents = append(ents, ent{317, 3, 1, short(s.predictor)})
	}
	if len(s.extra) > 0 {
		n, v := arr16(s.extra...)
		ents = append(ents, ent{338, 3, n, v})
	}
	if s.format != 0 {
		ents = append(ents, ent{339, 3, 1, short(s.format)})
	}
	// Tags in ascending order.
	for i := 1; i < len(ents); i++ {
		for j := i; j > 0 && ents[j].tag < ents[j-1].tag; j-- {
			ents[j], ents[j-1] = ents[j-1], ents[j]
		}
	}
	ifd := len(b)
	bo.PutUint32(b[4:], uint32(ifd))
	b = bo.AppendUint16(b, uint16(len(ents)))
	for _, e := range ents {
		b = bo.AppendUint16(b, e.tag)
		b = bo.AppendUint16(b, e.typ)
		b = bo.AppendUint32(b, e.n)
		b = bo.AppendUint32(b, e.val)
	}
	return bo.AppendUint32(b, 0)
}

// annotated is an annotated page's samples: a transparent background
// (colour 0, alpha 0: black if alpha were ignored), an opaque bar (rows
// h/4..h/2) of colour fg, and a half-transparent black band (rows
// 3h/4..h). Without alpha (extra == 0) the background is white instead.
func annotated(w, h, colour int, extra []uint16, bps int, fg [3]float64) []uint16 {
	max := 255.0
	if bps == 16 {
		max = 65535
	}
	alpha := len(extra) > 0 && (extra[0] == 1 || extra[0] == 2)
	spp := colour + len(extra)
	s := make([]uint16, w*h*spp)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px := s[(y*w+x)*spp:][:spp]
			switch {
			case y >= h/4 && y < h/2:
				for c := 0; c < colour; c++ {
					px[c] = uint16(fg[c]*max + 0.5)
				}
				if alpha {
					px[colour] = uint16(max)
				}
			case y >= 3*h/4:
				if alpha {
					px[colour] = uint16(max/2 + 0.5)
				} else {
					for c := 0; c < colour; c++ {
						px[c] = uint16(max / 2)
					}
				}
			default:
				if !alpha {
					for c := 0; c < colour; c++ {
						px[c] = uint16(max)
					}
				}
			}
			for i := colour + 1; i < spp; i++ {
				px[i] = uint16(max / 3) // further extra samples: noise
			}
			if !alpha && len(extra) > 0 {
				px[colour] = uint16(max / 5) // an extra sample that is not alpha
			}
		}
	}
	return s
}

// pageImage extracts the image of page 1 with pdfimages.
func pageImage(t *testing.T, file string) image.Image {
	t.Helper()
	dir := t.TempDir()
	testpdf.Run(t, "pdfimages", "-png", "-f", "1", "-l", "1", file, filepath.Join(dir, "im"))
	f, err := os.Open(filepath.Join(dir, "im-000.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIngestTIFFFlattened: gray+alpha, RGBA and 16-bit TIFFs (ImageMagick's
// output for annotated pages) are flattened onto white as 8-bit images, in
// every compression and predictor ingest reads, and the conversion is listed
// in Info.Repaired.
func TestIngestTIFFFlattened(t *testing.T) {
	dir := t.TempDir()
	fg := [3]float64{0.125, 0.5, 1} // the bar's colour (gray: the first)
	cases := []struct {
		name  string
		tiff  sampleTIFF
		notes []string
	}{
		{"gray+alpha 8-bit", sampleTIFF{photometric: 1, bps: 8, extra: []uint16{2}}, []string{"alpha"}},
		{"gray+alpha 8-bit associated", sampleTIFF{photometric: 1, bps: 8, extra: []uint16{1}}, []string{"alpha"}},
		{"gray+alpha 8-bit Deflate predictor strips", sampleTIFF{photometric: 1, bps: 8, extra: []uint16{2}, compression: 8, predictor: 2, rps: 7}, []string{"alpha"}},
		{"gray+alpha 8-bit PackBits big-endian", sampleTIFF{photometric: 1, bps: 8, extra: []uint16{2}, compression: 32773, big: true}, []string{"alpha"}},
		{"gray+alpha 16-bit", sampleTIFF{photometric: 1, bps: 16, extra: []uint16{2}}, []string{"alpha", "16-bit"}},
		{"gray+alpha 16-bit Deflate predictor big-endian", sampleTIFF{photometric: 1, bps: 16, extra: []uint16{2}, compression: 8, predictor: 2, big: true, rps: 5}, []string{"alpha", "16-bit"}},
		{"white-is-zero+alpha", sampleTIFF{photometric: 0, bps: 8, extra: []uint16{2}}, []string{"alpha"}},
		{"gray 16-bit", sampleTIFF{photometric: 1, bps: 16}, []string{"16-bit"}},
		{"gray 16-bit Deflate predictor", sampleTIFF{photometric: 1, bps: 16, compression: 8, predictor: 2}, []string{"16-bit"}},
		{"RGB 16-bit", sampleTIFF{photometric: 2, bps: 16}, []string{"16-bit"}},
		{"RGBA 8-bit", sampleTIFF{photometric: 2, bps: 8, extra: []uint16{2}}, []string{"alpha"}},
		{"RGBA 8-bit associated", sampleTIFF{photometric: 2, bps: 8, extra: []uint16{1}}, []string{"alpha"}},
		{"RGBA 16-bit Deflate predictor", sampleTIFF{photometric: 2, bps: 16, extra: []uint16{2}, compression: 8, predictor: 2}, []string{"alpha", "16-bit"}},
		{"RGB + unspecified extra sample", sampleTIFF{photometric: 2, bps: 8, extra: []uint16{0}}, []string{"other than alpha"}},
		{"RGBA + another extra sample, PackBits", sampleTIFF{photometric: 2, bps: 8, extra: []uint16{2, 0}, compression: 32773}, []string{"alpha", "other than alpha"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.tiff
			s.w, s.h, s.dpi = 48, 40, 100
			colour := 1
			if s.photometric == 2 {
				colour = 3
			}
			s.samples = annotated(s.w, s.h, colour, s.extra, s.bps, fg)
			if s.photometric == 0 { // white is zero: store inverted colours
				max := uint16(1<<s.bps - 1)
				for i := 0; i < len(s.samples); i += s.spp() {
					s.samples[i] = max - s.samples[i]
				}
			}
			src := testpdf.WriteFile(t, filepath.Join(dir, fmt.Sprintf("flat-%d.tif", i)), s.bytes())
			info, dst, err := ingest(t, src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Pages != 1 || info.Kind != "tiff" {
				t.Fatalf("info = %+v", info)
			}
			testpdf.QPDFCheck(t, dst)
			for _, n := range tc.notes {
				if !strings.Contains(strings.Join(info.Repaired, "; "), n) {
					t.Errorf("Repaired = %q, want %q", info.Repaired, n)
				}
			}
			if x, y := imagePPI(t, dst, 1); x < 99 || x > 101 || y < 99 || y > 101 {
				t.Errorf("resolution %gx%g, want 100", x, y)
			}
			m := pageImage(t, dst)
			if b := m.Bounds(); b.Dx() != s.w || b.Dy() != s.h {
				t.Fatalf("image %v, want %dx%d", b, s.w, s.h)
			}
			check := func(what string, y int, want [3]float64) {
				r, g, b, _ := m.At(s.w/2, y).RGBA()
				got := [3]float64{float64(r) / 65535, float64(g) / 65535, float64(b) / 65535}
				if colour == 1 {
					want = [3]float64{want[0], want[0], want[0]}
				}
				for c := range got {
					if d := got[c] - want[c]; d > 0.02 || d < -0.02 {
						t.Errorf("%s (row %d): %.3f, want %.3f", what, y, got, want)
						return
					}
				}
			}
			check("background", 2, [3]float64{1, 1, 1})
			check("bar", s.h/4+2, fg)
			check("half-transparent band", s.h-2, [3]float64{0.5, 0.5, 0.5})
		})
	}
}

// TestIngestTIFFExtraSamplesRefused: damaged or unreadable pages with
// extra samples are still refused.
func TestIngestTIFFExtraSamplesRefused(t *testing.T) {
	dir := t.TempDir()
	ga := sampleTIFF{w: 32, h: 32, photometric: 1, bps: 8, extra: []uint16{2}, compression: 8}
	ga.samples = annotated(ga.w, ga.h, 1, ga.extra, 8, [3]float64{0.2})
	good := ga.bytes()
	// the Deflate stream cut short (the IFD, after it, kept)
	cut := append([]byte{}, good...)
	for i := 8 + 20; i < 8+60; i++ {
		cut[i] = 0
	}
	fl := ga
	fl.format = 3 // IEEE floating point
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"damaged Deflate data", cut, CodeCorruptImage},
		{"truncated", good[:len(good)/3], CodeCorruptImage},
		{"floating-point samples", fl.bytes(), CodeUnsupportedImage},
		{"4-bit samples", sampleTIFF{w: 8, h: 8, photometric: 1, bps: 4, extra: []uint16{2}, samples: make([]uint16, 128)}.bytes(), CodeUnsupportedImage},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ingest(t, testpdf.WriteFile(t, filepath.Join(dir, fmt.Sprintf("bad-%d.tif", i)), tc.data), Limits{})
			rej, ok := err.(*Rejection)
			if !ok || rej.Code != tc.code {
				t.Fatalf("got %v, want a %s rejection", err, tc.code)
			}
		})
	}
}
