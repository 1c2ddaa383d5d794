package scan

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

func ingest(t *testing.T, src string, lim Limits) (Info, string, error) {
	t.Helper()
	dst := src + ".out.pdf"
	info, err := Ingest(context.Background(), src, dst, lim)
	return info, dst, err
}

func TestIngestRejections(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }

	good := path("good.pdf")
	testpdf.Make(t, good, testpdf.Page{Marker: "P1"}, testpdf.Page{Marker: "P2"}, testpdf.Page{Marker: "P3"})
	goodBytes, _ := os.ReadFile(good)

	// encrypted with a user password (an owner password only is accepted:
	// TestIngestOwnerPasswordOnly)
	encUser := path("enc-user.pdf")
	if err := api.EncryptFile(good, encUser, model.NewAESConfiguration("secret", "owner", 256)); err != nil {
		t.Fatal(err)
	}

	// zero pages
	zero := path("zero.pdf")
	pc, err := pdfcpu.CreateContextWithXRefTable(nil, types.PaperSize["A4"])
	if err != nil {
		t.Fatal(err)
	}
	if err := api.WriteContextFile(pc, zero); err != nil {
		t.Fatal(err)
	}

	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewGray(image.Rect(0, 0, 10, 10)), nil)
	jpg := testpdf.EncodeJPEG(t, testpdf.ScanImage(64, 64, false))
	pngb := encodePNG(t, testpdf.ScanImage(64, 64, true))
	// a JPEG whose frame header claims 60000×60000 pixels
	jpgBomb := append([]byte{}, jpg...)
	if i := bytes.Index(jpgBomb, []byte{0xFF, 0xC0}); i > 0 {
		jpgBomb[i+5], jpgBomb[i+6], jpgBomb[i+7], jpgBomb[i+8] = 0xEA, 0x60, 0xEA, 0x60
	} else {
		t.Fatal("no SOF0 in test JPEG")
	}

	cases := []struct {
		name string
		file string
		lim  Limits
		code string
		text string // part of the reason
	}{
		{"text file", testpdf.WriteFile(t, path("notes.pdf"), []byte("hello, this is not a scan\n")), Limits{}, CodeUnknownFormat, "不是 PDF"},
		{"empty", testpdf.WriteFile(t, path("empty.jpg"), nil), Limits{}, CodeUnknownFormat, "空"},
		{"gif", testpdf.WriteFile(t, path("scan.gif"), gifBuf.Bytes()), Limits{}, CodeUnsupportedImage, "GIF"},
		{"docx named pdf", testpdf.WriteFile(t, path("x.pdf"), []byte("PK\x03\x04 word/document.xml")), Limits{}, CodeUnknownFormat, "not a PDF"},
		{"encrypted", encUser, Limits{}, CodeEncrypted, "文件设有打开密码"},
		{"truncated", testpdf.WriteFile(t, path("trunc.pdf"), goodBytes[:len(goodBytes)*6/10]), Limits{}, CodeCorruptPDF, "损坏"},
		{"garbage after header", testpdf.WriteFile(t, path("garbage.pdf"), append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("\x00garbage "), 200)...)), Limits{}, CodeCorruptPDF, "damaged"},
		{"too large", good, Limits{MaxBytes: 100}, CodeTooLarge, "too large"},
		{"too many pages", good, Limits{MaxPages: 2}, CodeTooManyPages, "too many pages"},
		{"zero pages", zero, Limits{}, CodeNoPages, "no pages"},
		{"png bomb", testpdf.WriteFile(t, path("bomb.png"), pngWithSize(pngb, 50000, 50000)), Limits{}, CodeTooManyPixels, "50000×50000"},
		{"jpeg bomb", testpdf.WriteFile(t, path("bomb.jpg"), jpgBomb), Limits{}, CodeTooManyPixels, "60000×60000"},
		{"tiff bomb", testpdf.WriteFile(t, path("bomb.tif"), makeTIFF(tiffFrame{w: 100000, h: 100000, dpi: 300})), Limits{}, CodeTooManyPixels, "100000×100000"},
		{"tiff too many pages", testpdf.WriteFile(t, path("many.tif"), makeTIFF(
			tiffFrame{w: 8, h: 8, dpi: 72, pix: grayPix(8, 8, 1)},
			tiffFrame{w: 8, h: 8, dpi: 72, pix: grayPix(8, 8, 2)},
			tiffFrame{w: 8, h: 8, dpi: 72, pix: grayPix(8, 8, 3)})), Limits{MaxPages: 2}, CodeTooManyPages, "too many pages"},
		{"truncated jpeg", testpdf.WriteFile(t, path("trunc.jpg"), jpg[:len(jpg)/2]), Limits{}, CodeCorruptImage, "damaged"},
		{"truncated png", testpdf.WriteFile(t, path("trunc.png"), pngb[:len(pngb)/2]), Limits{}, CodeCorruptImage, "damaged"},
		{"truncated tiff", testpdf.WriteFile(t, path("trunc.tif"), makeTIFF(tiffFrame{w: 64, h: 64, dpi: 300, pix: grayPix(64, 64, 1)})[:900]), Limits{}, CodeCorruptImage, "damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dst, err := ingest(t, tc.file, tc.lim)
			var rej *Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("want *Rejection, got %v", err)
			}
			if rej.Code != tc.code || !strings.Contains(rej.Reason, tc.text) {
				t.Errorf("got %s %q, want %s containing %q", rej.Code, rej.Reason, tc.code, tc.text)
			}
			if rej.File != filepath.Base(tc.file) {
				t.Errorf("File = %q", rej.File)
			}
			// Chinese first, English in parentheses after it
			zh, _, _ := strings.Cut(rej.Reason, " (")
			if !strings.Contains(rej.Reason, " (") || !strings.HasSuffix(rej.Reason, ")") || !hasHan(zh) {
				t.Errorf("reason not in the agreed form: %q", rej.Reason)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("rejected file left output %s", dst)
			}
		})
	}
}

func TestIngestCancelled(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.pdf")
	testpdf.Make(t, src, testpdf.Page{Marker: "X"})
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Ingest(c, src, filepath.Join(dir, "out.pdf"), Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestIngestPDFKeepsPages(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.pdf")
	testpdf.Make(t, src,
		testpdf.Page{Marker: "PAGEONE"},
		testpdf.Page{Marker: "PAGETWO", Rotate: 90},
		testpdf.Page{Marker: "PAGETHREE", Media: []float64{100, 100, 695, 942}, Crop: []float64{150, 150, 645, 892}})
	info, dst, err := ingest(t, src, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(info, Info{Pages: 3, Kind: "pdf"}) {
		t.Fatalf("info = %+v", info)
	}
	testpdf.QPDFCheck(t, dst)
	for i, m := range []string{"PAGEONE", "PAGETWO", "PAGETHREE"} {
		if !strings.Contains(testpdf.PageText(t, dst, i+1), m) {
			t.Errorf("page %d lacks %s", i+1, m)
		}
	}
	if got := testpdf.PDFInfo(t, dst, 2)["Page 2 rot"]; got != "90" {
		t.Errorf("page 2 rot = %q", got)
	}
	if got := testpdf.PDFInfo(t, dst, 3)["Page 3 CropBox"]; testpdf.Squash(got) != testpdf.Squash("150.00 150.00 645.00 892.00") {
		t.Errorf("page 3 CropBox = %q", got)
	}
}

// imagePPI returns the resolution pdfimages reports for the image on page n.
func imagePPI(t *testing.T, file string, n int) (x, y float64) {
	t.Helper()
	out := testpdf.Run(t, "pdfimages", "-list", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("no image on page %d:\n%s", n, out)
	}
	f := strings.Fields(lines[2])
	x, _ = strconv.ParseFloat(f[12], 64)
	y, _ = strconv.ParseFloat(f[13], 64)
	return x, y
}

func pageSize(t *testing.T, file string, n int) string {
	t.Helper()
	s := testpdf.PDFInfo(t, file, n)["Page "+strconv.Itoa(n)+" size"]
	s, _, _ = strings.Cut(s, " pts")
	return s
}

func TestIngestImages(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name  string
		data  []byte
		ext   string
		pages int
		size  []string // page sizes
		ppi   float64  // expected resolution of the image on page 1 (0: skip)
		kind  string
	}{
		// 1200×800 at 300 dpi: 4×2.67 in, real size on landscape A4
		{"jpeg landscape 300dpi", testpdf.WithJFIF(testpdf.EncodeJPEG(t, testpdf.ScanImage(1200, 800, false)), 300), "jpg", 1, []string{"841.89 x 595.28"}, 300, "jpeg"},
		// no resolution: fitted to portrait A4 (height 841.89 pt for 900 px)
		{"jpeg no dpi", testpdf.EncodeJPEG(t, testpdf.ScanImage(600, 900, false)), "jpg", 1, []string{"595.28 x 841.89"}, 900 / (841.89 / 72), "jpeg"},
		// A3 at 150 dpi does not fit A4: scaled down
		{"jpeg A3", testpdf.WithJFIF(testpdf.EncodeJPEG(t, testpdf.ScanImage(1754, 2480, true)), 150), "jpg", 1, []string{"595.28 x 841.89"}, 2480 / (841.89 / 72), "jpeg"},
		// stored landscape, EXIF orientation 6: shown portrait
		{"jpeg exif rotated", withExifOrientation(testpdf.WithJFIF(testpdf.EncodeJPEG(t, testpdf.ScanImage(900, 600, false)), 200), 6), "jpg", 1, []string{"595.28 x 841.89"}, 200, "jpeg"},
		{"png 150dpi", withPHYs(encodePNG(t, testpdf.ScanImage(600, 400, false)), 150), "png", 1, []string{"841.89 x 595.28"}, 150, "png"},
		{"tiff multipage", makeTIFF(
			tiffFrame{w: 300, h: 400, dpi: 100, pix: grayPix(300, 400, 1)},
			tiffFrame{w: 400, h: 300, dpi: 100, pix: grayPix(400, 300, 2)},
			tiffFrame{w: 300, h: 400, dpi: 100, pix: grayPix(300, 400, 3)}),
			"tif", 3, []string{"595.28 x 841.89", "841.89 x 595.28", "595.28 x 841.89"}, 100, "tiff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := testpdf.WriteFile(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+"."+tc.ext), tc.data)
			info, dst, err := ingest(t, src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Pages != tc.pages || string(info.Kind) != tc.kind {
				t.Fatalf("info = %+v", info)
			}
			testpdf.QPDFCheck(t, dst)
			for i, s := range tc.size {
				if got := pageSize(t, dst, i+1); got != s {
					t.Errorf("page %d size %q, want %q", i+1, got, s)
				}
			}
			if tc.ppi > 0 {
				x, y := imagePPI(t, dst, 1)
				if math.Abs(x-tc.ppi) > 1.5 || math.Abs(y-tc.ppi) > 1.5 {
					t.Errorf("image resolution %gx%g ppi, want %g", x, y, tc.ppi)
				}
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
