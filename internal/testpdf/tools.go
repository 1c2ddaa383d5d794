// Checking what a test made, with the tools a reader would use: poppler's
// pdftotext, pdfinfo and pdftoppm, and qpdf. A missing tool fails the test.

package testpdf

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Tool returns the path of a command the tests need; missing tools fail the
// test (CI installs poppler-utils and qpdf).
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils and qpdf (%v)", name, err)
	}
	return p
}

// Run runs the named tool and returns its output; a failure fails the test.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(Tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// PageText extracts the text of page n.
func PageText(t testing.TB, file string, n int) string {
	t.Helper()
	return Run(t, "pdftotext", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-enc", "UTF-8", file, "-")
}

// Squash drops all white space, so text compares across line breaks.
func Squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// QPDFCheck fails the test unless qpdf --check finds no error in file.
func QPDFCheck(t testing.TB, file string) {
	t.Helper()
	out, err := exec.Command(Tool(t, "qpdf"), "--check", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check %s: %v\n%s", file, err, out)
	}
}

// PDFInfo runs pdfinfo for page n (0: document) and returns its fields.
func PDFInfo(t testing.TB, file string, n int) map[string]string {
	t.Helper()
	args := []string{"-enc", "UTF-8"}
	if n > 0 {
		args = append(args, "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-box")
	}
	out := Run(t, "pdfinfo", append(args, file)...)
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

// Render rasterises page n with pdftoppm (gray) at dpi.
func Render(t testing.TB, file string, n, dpi int) *image.Gray {
	t.Helper()
	root := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(Tool(t, "pdftoppm"), "-gray", "-png", "-r", strconv.Itoa(dpi), "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-singlefile", file, root).CombinedOutput(); err != nil {
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

// PixelDiff is the share of pixels whose gray levels differ by more than 24.
func PixelDiff(a, b *image.Gray) float64 {
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
