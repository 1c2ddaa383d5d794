package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
)

var fakeHome string

func TestMain(m *testing.M) {
	// pdfcpu must not touch the user's config dir: run with a fake HOME and
	// check it stays empty.
	var err error
	fakeHome, err = os.MkdirTemp("", "scan-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", fakeHome)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(fakeHome, ".config"))
	cfg, err := os.MkdirTemp("", "scan-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := cjkfont.Setup(cfg); err != nil {
		panic(err)
	}
	code := m.Run()
	if ents, _ := os.ReadDir(fakeHome); len(ents) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: something wrote to $HOME: %v\n", ents)
		code = 1
	}
	os.RemoveAll(fakeHome)
	os.RemoveAll(cfg)
	os.Exit(code)
}

// tool returns the path of a command the tests need; missing tools fail the
// test (CI installs poppler-utils and qpdf).
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils and qpdf (%v)", name, err)
	}
	return p
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pageText extracts the text of page n.
func pageText(t testing.TB, file string, n int) string {
	t.Helper()
	return run(t, "pdftotext", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-enc", "UTF-8", file, "-")
}

func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func qpdfCheck(t testing.TB, file string) {
	t.Helper()
	out, err := exec.Command(tool(t, "qpdf"), "--check", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check %s: %v\n%s", file, err, out)
	}
}

// pdfInfo runs pdfinfo for page n (0: document) and returns its fields.
func pdfInfo(t testing.TB, file string, n int) map[string]string {
	t.Helper()
	args := []string{"-enc", "UTF-8"}
	if n > 0 {
		args = append(args, "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-box")
	}
	out := run(t, "pdfinfo", append(args, file)...)
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		m[strings.Join(strings.Fields(k), " ")] = strings.TrimSpace(v)
	}
	return m
}

// testPage describes a page of a generated PDF.
type testPage struct {
	marker string    // text drawn on the page (Helvetica, extractable)
	rotate int       // /Rotate
	media  []float64 // MediaBox, default A4
	crop   []float64 // CropBox, optional
}

// makePDF writes a PDF made with pdfcpu.
func makePDF(t testing.TB, path string, pgs ...testPage) {
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
		media := p.media
		if media == nil {
			media = []float64{0, 0, 595.28, 841.89}
		}
		content := fmt.Sprintf("BT /F1 24 Tf %g %g Td (%s) Tj ET\n0 0 1 rg %g %g 40 40 re f\n",
			media[0]+60, media[1]+(media[3]-media[1])/2, p.marker, media[0]+60, media[1]+60)
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
		if p.rotate != 0 {
			d["Rotate"] = types.Integer(p.rotate)
		}
		if p.crop != nil {
			d["CropBox"] = types.NewNumberArray(p.crop...)
		}
		if _, err := pdfpage.Append(pc, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := api.WriteContextFile(pc, path); err != nil {
		t.Fatal(err)
	}
}

// scanImage draws a page-like test image with some structure.
func scanImage(w, h int, gray bool) image.Image {
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

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withJFIF inserts a JFIF APP0 segment with a density in dpi.
func withJFIF(data []byte, dpi int) []byte {
	seg := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(seg[12:], uint16(dpi))
	binary.BigEndian.PutUint16(seg[14:], uint16(dpi))
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// withExifOrientation inserts an EXIF APP1 segment with an orientation tag.
func withExifOrientation(data []byte, o int) []byte {
	tiffb := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiffb...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

func pngChunk(typ string, data []byte) []byte {
	b := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(b, uint32(len(data)))
	copy(b[4:], typ)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withPHYs inserts a pHYs chunk (dpi) after IHDR.
func withPHYs(data []byte, dpi float64) []byte {
	ppm := uint32(dpi/0.0254 + 0.5)
	d := make([]byte, 9)
	binary.BigEndian.PutUint32(d, ppm)
	binary.BigEndian.PutUint32(d[4:], ppm)
	d[8] = 1
	at := 8 + 25
	return append(append(append([]byte{}, data[:at]...), pngChunk("pHYs", d)...), data[at:]...)
}

// pngWithSize rewrites the IHDR dimensions (a decompression bomb header).
func pngWithSize(data []byte, w, h uint32) []byte {
	out := append([]byte{}, data...)
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// tiffFrame is a page of a generated TIFF.
type tiffFrame struct {
	w, h int
	dpi  int
	pix  []byte // 8-bit gray, w*h; nil: no data (only a header)
}

// makeTIFF writes a multi-page uncompressed gray TIFF (little endian).
func makeTIFF(frames ...tiffFrame) []byte {
	le := binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	prevNext := 4
	for _, f := range frames {
		dataOff := len(b)
		b = append(b, f.pix...)
		if len(b)%2 == 1 {
			b = append(b, 0)
		}
		resOff := len(b)
		b = le.AppendUint32(b, uint32(f.dpi))
		b = le.AppendUint32(b, 1)
		ifdOff := len(b)
		le.PutUint32(b[prevNext:], uint32(ifdOff))
		type ent struct {
			tag, typ uint16
			val      uint32
		}
		n := f.w * f.h
		ents := []ent{
			{256, 4, uint32(f.w)}, {257, 4, uint32(f.h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(dataOff)}, {277, 3, 1}, {278, 4, uint32(f.h)}, {279, 4, uint32(n)},
			{282, 5, uint32(resOff)}, {283, 5, uint32(resOff)}, {296, 3, 2},
		}
		b = le.AppendUint16(b, uint16(len(ents)))
		for _, e := range ents {
			b = le.AppendUint16(b, e.tag)
			b = le.AppendUint16(b, e.typ)
			b = le.AppendUint32(b, 1)
			if e.typ == 3 {
				b = le.AppendUint16(b, uint16(e.val))
				b = le.AppendUint16(b, 0)
			} else {
				b = le.AppendUint32(b, e.val)
			}
		}
		prevNext = len(b)
		b = le.AppendUint32(b, 0)
	}
	return b
}

func grayPix(w, h int, seed byte) []byte {
	p := make([]byte, w*h)
	for i := range p {
		if (i/w+int(seed))%9 < 3 {
			p[i] = 0
		} else {
			p[i] = 255 - byte(i%7)*seed
		}
	}
	return p
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func itoa(n int) string { return strings.TrimSpace(types.Integer(n).String()) }

// render rasterises page n with pdftoppm (gray) at dpi.
func render(t testing.TB, file string, n, dpi int) *image.Gray {
	t.Helper()
	root := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(tool(t, "pdftoppm"), "-gray", "-png", "-r", strconv.Itoa(dpi), "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-singlefile", file, root).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s page %d: %v\n%s", file, n, err, out)
	}
	f, err := os.Open(root + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		g = image.NewGray(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				g.Set(x, y, img.At(x, y))
			}
		}
	}
	return g
}

// pixelDiff is the share of pixels whose gray levels differ by more than 24.
func pixelDiff(a, b *image.Gray) float64 {
	if a.Bounds() != b.Bounds() {
		return 1
	}
	diff := 0
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		if d > 24 || d < -24 {
			diff++
		}
	}
	return float64(diff) / float64(len(a.Pix))
}
