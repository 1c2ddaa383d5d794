package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// jpegTIFFPage is a page of a generated JPEG-compressed TIFF (Compression 7),
// written the way libtiff writes one.
type jpegTIFFPage struct {
	img        image.Image // *image.Gray: one sample; otherwise three
	dpi        int
	rps        int  // rows per strip; 0: one strip
	tile       int  // tile width and length (a multiple of 16); 0: strips
	tables     bool // quantisation and Huffman tables in JPEGTables, strips abbreviated
	rgb        bool // photometric RGB: the JPEG samples are R, G, B, not YCbCr
	rgbIDs     bool // with rgb: component ids 'R', 'G', 'B' (libtiff's JCS_RGB); otherwise 1, 2, 3
	minIsWhite bool // gray, photometric WhiteIsZero
	old        bool // Compression 6 (old-style JPEG) in the tag, data as for 7
	// with old: JPEGInterchangeFormat and its length point at the (one)
	// strip's JPEG stream; interLen, if set, is the length to claim
	interchange bool
	interLen    int
	bits        int // BitsPerSample to claim; 0: 8
}

// makeJPEGTIFF writes a JPEG-compressed TIFF (big endian if big).
func makeJPEGTIFF(t testing.TB, big bool, pages ...jpegTIFFPage) []byte {
	t.Helper()
	var bo interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	if big {
		bo = binary.BigEndian
		b = []byte{'M', 'M', 0, 42, 0, 0, 0, 0}
	}
	prevNext := 4
	for _, p := range pages {
		bounds := p.img.Bounds()
		w, h := bounds.Dx(), bounds.Dy()
		_, gray := p.img.(*image.Gray)
		// The strips or tiles, each a JPEG stream.
		type seg struct{ off, n int }
		var segs []seg
		var tables []byte
		encode := func(m image.Image) {
			var buf bytes.Buffer
			src := m
			if p.minIsWhite {
				src = invertGray(m)
			}
			if p.rgb {
				src = rgbAsYCbCr(m)
			}
			if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 92}); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			if p.rgb && p.rgbIDs {
				data = jpegComponentIDs(t, data, 'R', 'G', 'B')
			}
			if p.tables {
				var tb []byte
				tb, data = splitJPEGTables(t, data)
				tables = tb // the same for every strip: same quality
			}
			segs = append(segs, seg{len(b), len(data)})
			b = append(b, data...)
		}
		if p.tile > 0 {
			for y := 0; y < h; y += p.tile {
				for x := 0; x < w; x += p.tile {
					// Edge tiles are padded to the full tile size.
					var tm draw.Image
					if gray {
						tm = image.NewGray(image.Rect(0, 0, p.tile, p.tile))
					} else {
						tm = image.NewRGBA(image.Rect(0, 0, p.tile, p.tile))
					}
					draw.Draw(tm, tm.Bounds(), image.White, image.Point{}, draw.Src)
					draw.Draw(tm, tm.Bounds(), p.img, bounds.Min.Add(image.Pt(x, y)), draw.Src)
					encode(tm)
				}
			}
		} else {
			rps := p.rps
			if rps == 0 {
				rps = h
			}
			for y := 0; y < h; y += rps {
				r := image.Rect(0, y, w, min(y+rps, h)).Add(bounds.Min)
				encode(p.img.(interface {
					SubImage(image.Rectangle) image.Image
				}).SubImage(r))
			}
		}
		type ent struct {
			tag, typ uint16
			count    int
			data     []byte
		}
		short := func(v ...int) []byte {
			var o []byte
			for _, x := range v {
				o = bo.AppendUint16(o, uint16(x))
			}
			return o
		}
		long := func(v ...int) []byte {
			var o []byte
			for _, x := range v {
				o = bo.AppendUint32(o, uint32(x))
			}
			return o
		}
		var offs, counts []int
		for _, s := range segs {
			offs, counts = append(offs, s.off), append(counts, s.n)
		}
		spp, photo := 3, 6
		switch {
		case gray && p.minIsWhite:
			spp, photo = 1, 0
		case gray:
			spp, photo = 1, 1
		case p.rgb:
			photo = 2
		}
		bits := p.bits
		if bits == 0 {
			bits = 8
		}
		bps := make([]int, spp)
		for i := range bps {
			bps[i] = bits
		}
		comp := 7
		if p.old {
			comp = 6
		}
		res := long(p.dpi, 1)
		ents := []ent{
			{256, 4, 1, long(w)}, {257, 4, 1, long(h)}, {258, 3, spp, short(bps...)}, {259, 3, 1, short(comp)},
			{262, 3, 1, short(photo)}, {277, 3, 1, short(spp)}, {282, 5, 1, res}, {283, 5, 1, res},
			{284, 3, 1, short(1)}, {296, 3, 1, short(2)},
		}
		if p.tile > 0 {
			ents = append(ents, ent{322, 3, 1, short(p.tile)}, ent{323, 3, 1, short(p.tile)},
				ent{324, 4, len(offs), long(offs...)}, ent{325, 4, len(counts), long(counts...)})
		} else {
			rps := p.rps
			if rps == 0 {
				rps = h
			}
			ents = append(ents, ent{273, 4, len(offs), long(offs...)}, ent{278, 4, 1, long(rps)}, ent{279, 4, len(counts), long(counts...)})
		}
		if tables != nil {
			ents = append(ents, ent{347, 7, len(tables), tables})
		}
		if !gray && !p.rgb {
			ents = append(ents, ent{530, 3, 2, short(2, 2)}) // YCbCrSubSampling: Go writes 4:2:0
		}
		if p.interchange {
			n := segs[0].n
			if p.interLen > 0 {
				n = p.interLen
			}
			ents = append(ents, ent{513, 4, 1, long(segs[0].off)}, ent{514, 4, 1, long(n)})
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].tag < ents[j].tag })
		// Values longer than 4 bytes go before the IFD.
		valOff := make([]int, len(ents))
		for i, e := range ents {
			if len(e.data) > 4 {
				if len(b)%2 == 1 {
					b = append(b, 0)
				}
				valOff[i] = len(b)
				b = append(b, e.data...)
			}
		}
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		ifdOff := len(b)
		bo.PutUint32(b[prevNext:], uint32(ifdOff))
		b = bo.AppendUint16(b, uint16(len(ents)))
		for i, e := range ents {
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, e.typ)
			b = bo.AppendUint32(b, uint32(e.count))
			if len(e.data) > 4 {
				b = bo.AppendUint32(b, uint32(valOff[i]))
			} else {
				v := make([]byte, 4)
				copy(v, e.data)
				b = append(b, v...)
			}
		}
		prevNext = len(b)
		b = bo.AppendUint32(b, 0)
	}
	return b
}

// splitJPEGTables moves the DQT and DHT segments of a JPEG stream into a
// JPEGTables value (SOI, tables, EOI) and returns the abbreviated stream.
func splitJPEGTables(t testing.TB, data []byte) (tables, rest []byte) {
	t.Helper()
	tables = []byte{0xFF, 0xD8}
	rest = []byte{0xFF, 0xD8}
	i := 2
	for {
		if i+4 > len(data) || data[i] != 0xFF {
			t.Fatalf("bad JPEG at %d", i)
		}
		m := data[i+1]
		l := int(binary.BigEndian.Uint16(data[i+2:]))
		seg := data[i : i+2+l]
		if m == 0xDB || m == 0xC4 {
			tables = append(tables, seg...)
		} else {
			rest = append(rest, seg...)
		}
		i += 2 + l
		if m == 0xDA {
			rest = append(rest, data[i:]...)
			break
		}
	}
	return append(tables, 0xFF, 0xD9), rest
}

// jpegComponentIDs rewrites the component ids in SOF0 and SOS.
func jpegComponentIDs(t testing.TB, data []byte, ids ...byte) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	sof := bytes.Index(out, []byte{0xFF, 0xC0})
	sos := bytes.Index(out, []byte{0xFF, 0xDA})
	if sof < 0 || sos < 0 || int(out[sof+9]) != len(ids) || int(out[sos+4]) != len(ids) {
		t.Fatal("unexpected JPEG layout")
	}
	for k, id := range ids {
		out[sof+10+3*k] = id
		out[sos+5+2*k] = id
	}
	return out
}

// rgbAsYCbCr stores R, G and B in the Y, Cb and Cr planes, so Go's encoder
// writes the samples without a colour transform, as libtiff does for
// photometric RGB.
func rgbAsYCbCr(m image.Image) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(b, image.YCbCrSubsampleRatio444)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			out.Y[out.YOffset(x, y)] = uint8(r >> 8)
			out.Cb[out.COffset(x, y)] = uint8(g >> 8)
			out.Cr[out.COffset(x, y)] = uint8(bl >> 8)
		}
	}
	return out
}

func invertGray(m image.Image) *image.Gray {
	b := m.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.SetGray(x, y, color.Gray{255 - color.GrayModel.Convert(m.At(x, y)).(color.Gray).Y})
		}
	}
	return out
}

// colourScan is a colour test page with areas of distinct hues, so a
// channel swap or a wrong colour transform changes its gray rendering.
func colourScan(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{245, 245, 240, 255}
			switch {
			case y%50 < 3:
				c = color.RGBA{20, 20, 20, 255} // text lines
			case x < w/3 && y < h/2:
				c = color.RGBA{220, 30, 30, 255} // red seal
			case x > 2*w/3 && y > h/2:
				c = color.RGBA{30, 40, 200, 255} // blue ink
			case x > w/3 && x < 2*w/3 && y > h/3 && y < 2*h/3:
				c = color.RGBA{30, 200, 60, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func meanGray(g *image.Gray) float64 {
	s := 0
	for _, v := range g.Pix {
		s += int(v)
	}
	return float64(s) / float64(len(g.Pix))
}

// JPEG-compressed TIFF pages (Compression 7) are read: one strip or many,
// tiles, JPEGTables, gray, YCbCr and RGB; each page is placed from its
// resolution and renders like the source image (rendered from a PNG of the
// same pixels and resolution).
func TestIngestJPEGTIFF(t *testing.T) {
	dir := t.TempDir()
	gray := testpdf.ScanImage(600, 800, true).(*image.Gray)
	grayL := testpdf.ScanImage(800, 600, true).(*image.Gray)
	col := colourScan(600, 800)
	colL := colourScan(800, 600)
	cases := []struct {
		name  string
		big   bool
		pages []jpegTIFFPage
		enc   string // pdfimages' encoding of page 1's image
	}{
		{"gray one strip", false, []jpegTIFFPage{{img: gray, dpi: 100}}, "jpeg"},
		{"gray one strip tables big endian", true, []jpegTIFFPage{{img: gray, dpi: 100, tables: true}}, "jpeg"},
		{"gray strips tables two pages", false, []jpegTIFFPage{
			{img: gray, dpi: 100, rps: 64, tables: true},
			{img: grayL, dpi: 150, rps: 48, tables: true}}, "image"},
		{"gray min-is-white", false, []jpegTIFFPage{{img: gray, dpi: 100, minIsWhite: true}, {img: gray, dpi: 100, rps: 80, minIsWhite: true}}, "jpeg"},
		{"ycbcr one strip tables", false, []jpegTIFFPage{{img: col, dpi: 100, tables: true}}, "jpeg"},
		{"ycbcr strips tables", true, []jpegTIFFPage{{img: col, dpi: 100, rps: 80, tables: true}, {img: colL, dpi: 150, rps: 16, tables: true}}, "image"},
		{"ycbcr strips no tables", false, []jpegTIFFPage{{img: col, dpi: 100, rps: 96}}, "image"},
		{"ycbcr tiles", false, []jpegTIFFPage{{img: col, dpi: 100, tile: 256, tables: true}, {img: grayL, dpi: 150, tile: 128, tables: true}}, "image"},
		{"rgb one strip", false, []jpegTIFFPage{{img: col, dpi: 100, rgb: true, rgbIDs: true, tables: true}}, "jpeg"},
		{"rgb one strip ids 123", false, []jpegTIFFPage{{img: col, dpi: 100, rgb: true}}, "jpeg"},
		{"rgb strips", false, []jpegTIFFPage{{img: col, dpi: 100, rgb: true, rgbIDs: true, rps: 128, tables: true}}, "image"},
		{"rgb strips ids 123", false, []jpegTIFFPage{{img: col, dpi: 100, rgb: true, rps: 128, tables: true}}, "image"},
		// Old-style JPEG whose JPEGInterchangeFormat is the whole page's stream.
		{"old-style interchange format", true, []jpegTIFFPage{{img: col, dpi: 100, old: true, interchange: true}, {img: grayL, dpi: 150, old: true, interchange: true}}, "jpeg"},
	}
	src := testpdf.WriteFile(t, filepath.Join(dir, "seed.tif"), JPEGTIFFSeed(t))
	if info, _, err := ingest(t, src, Limits{}); err != nil || info.Pages != 2 {
		t.Errorf("FuzzIngest's JPEG TIFF seed: %+v %v", info, err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := testpdf.WriteFile(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".tif"), makeJPEGTIFF(t, tc.big, tc.pages...))
			info, dst, err := ingest(t, src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(info, Info{Pages: len(tc.pages), Kind: "tiff"}) {
				t.Fatalf("info = %+v", info)
			}
			testpdf.QPDFCheck(t, dst)
			if got := testpdf.PDFInfo(t, dst, 0)["Pages"]; got != itoa(len(tc.pages)) {
				t.Errorf("pdfinfo: %s pages", got)
			}
			if f := strings.Fields(strings.Split(testpdf.Run(t, "pdfimages", "-list", "-f", "1", "-l", "1", dst), "\n")[2]); f[8] != tc.enc {
				t.Errorf("page 1 image encoding %s, want %s", f[8], tc.enc)
			}
			for i, p := range tc.pages {
				n := i + 1
				b := p.img.Bounds()
				want := "595.28 x 841.89"
				if b.Dx() > b.Dy() {
					want = "841.89 x 595.28"
				}
				if got := pageSize(t, dst, n); got != want {
					t.Errorf("page %d size %q, want %q", n, got, want)
				}
				x, y := imagePPI(t, dst, n)
				if math.Abs(x-float64(p.dpi)) > 1.5 || math.Abs(y-float64(p.dpi)) > 1.5 {
					t.Errorf("page %d image resolution %gx%g ppi, want %d", n, x, y, p.dpi)
				}
				// The same pixels as a PNG with the same resolution: the reference.
				ref := testpdf.WriteFile(t, filepath.Join(t.TempDir(), "ref.png"), withPHYs(encodePNG(t, p.img), float64(p.dpi)))
				if _, err := Ingest(t.Context(), ref, ref+".pdf", Limits{}); err != nil {
					t.Fatal(err)
				}
				got, exp := testpdf.Render(t, dst, n, 50), testpdf.Render(t, ref+".pdf", 1, 50)
				if d := testpdf.PixelDiff(got, exp); d > 0.02 {
					t.Errorf("page %d: %.1f%% of the pixels differ from the source", n, 100*d)
				}
				if mg, me := meanGray(got), meanGray(exp); math.Abs(mg-me) > 2 {
					t.Errorf("page %d: mean gray %.1f, source %.1f", n, mg, me)
				}
			}
		})
	}
}

// JPEG TIFFs this package cannot read are refused with a reason; strips
// whose JPEG header claims more pixels than the TIFF's layout are refused
// before decoding.
func TestIngestJPEGTIFFRefused(t *testing.T) {
	dir := t.TempDir()
	gray := testpdf.ScanImage(64, 64, true).(*image.Gray)
	bomb := makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, rps: 32})
	// The second strip's frame header claims 60000×60000 pixels.
	i := bytes.LastIndex(bomb, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(bomb[i+5:], 60000)
	binary.BigEndian.PutUint16(bomb[i+7:], 60000)
	good := makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, rps: 16, tables: true})
	cases := []struct {
		name string
		data []byte
		code string
		text []string
	}{
		{"old-style jpeg", makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, old: true}), CodeUnsupportedImage, []string{"旧式 JPEG", "old-style JPEG"}},
		{"old-style jpeg, interchange format in strips", makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, old: true, rps: 32, interchange: true}), CodeUnsupportedImage, []string{"旧式 JPEG", "old-style JPEG"}},
		{"old-style jpeg, interchange format truncated", makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, old: true, interchange: true, interLen: 400}), CodeUnsupportedImage, []string{"旧式 JPEG", "old-style JPEG"}},
		{"12-bit", makeJPEGTIFF(t, false, jpegTIFFPage{img: gray, dpi: 100, bits: 12}), CodeUnsupportedImage, []string{"12 bits per sample"}},
		{"strip bomb", bomb, CodeCorruptImage, []string{"damaged"}},
		{"truncated", good[:len(good)/2], CodeCorruptImage, []string{"damaged"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			src := testpdf.WriteFile(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".tif"), tc.data)
			_, _, err := ingest(t, src, Limits{})
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			var rej *Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("want a *Rejection, got %v", err)
			}
			if rej.Code != tc.code {
				t.Errorf("code %s (%s), want %s", rej.Code, rej.Reason, tc.code)
			}
			for _, w := range tc.text {
				if !strings.Contains(rej.Reason, w) {
					t.Errorf("reason %q lacks %q", rej.Reason, w)
				}
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
				t.Errorf("refusing it allocated %d MB", d>>20)
			}
		})
	}
}

// JPEGTIFFSeed is a small two-page JPEG-compressed TIFF (gray strips with
// JPEGTables, then a YCbCr page in one strip) for FuzzIngest's seeds.
func JPEGTIFFSeed(t testing.TB) []byte {
	return makeJPEGTIFF(t, false,
		jpegTIFFPage{img: testpdf.ScanImage(32, 24, true), dpi: 100, rps: 8, tables: true},
		jpegTIFFPage{img: colourScan(24, 16), dpi: 100})
}
