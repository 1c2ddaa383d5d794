package dossier

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdfpage"
)

var fakeHome string

func TestMain(m *testing.M) {
	if mode := os.Getenv(benchChildEnv); mode != "" { // a measured copy of BenchmarkCopyPaths
		os.Exit(benchChild(mode))
	}
	// pdfcpu must not touch the user's config dir: run with a fake HOME and
	// check it stays empty.
	var err error
	fakeHome, err = os.MkdirTemp("", "dossier-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", fakeHome)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(fakeHome, ".config"))
	cfg, err := os.MkdirTemp("", "dossier-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := Setup(cfg); err != nil {
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

// withJFIF inserts a JFIF APP0 segment with a density in dpi.
func withJFIF(data []byte, dpi int) []byte {
	seg := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(seg[12:], uint16(dpi))
	binary.BigEndian.PutUint16(seg[14:], uint16(dpi))
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
