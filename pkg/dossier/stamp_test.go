package dossier

import (
	"context"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testStamp = Stamp{Name: "李四", License: "11101200010123456", Ref: "YJ-2025-0001", Date: time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)}

func TestStampCopy(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.pdf")
	man, err := AssembleBase(context.Background(), testCase, fixture(t, dir), base, AssembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.pdf")
	if err := StampCopy(context.Background(), base, cp, testStamp); err != nil {
		t.Fatal(err)
	}
	testpdf.QPDFCheck(t, cp)
	if got := testpdf.PDFInfo(t, cp, 0)["Pages"]; got != strconv.Itoa(man.Pages) {
		t.Fatalf("pages = %s, want %d", got, man.Pages)
	}
	want := "仅供 李四 律师阅卷使用 · 执业证号 11101200010123456 · 申请号 YJ-2025-0001 · 2025-03-02"
	if testStamp.Text() != want {
		t.Fatalf("Text() = %q", testStamp.Text())
	}
	for n := 1; n <= man.Pages; n++ {
		text := testpdf.PageText(t, cp, n)
		if !strings.Contains(testpdf.Squash(text), testpdf.Squash(want)) {
			t.Errorf("page %d lacks the stamp text:\n%s", n, text)
		}
		if !strings.Contains(testpdf.Squash(text), "第"+strconv.Itoa(n)+"页/共8页") {
			t.Errorf("page %d lost its page number", n)
		}
	}
	// The document pages are still there, in order.
	for n, m := range map[int]string{3: "DOCA1", 4: "DOCA2", 5: "DOCB1", 8: "DOCD1"} {
		if !strings.Contains(testpdf.PageText(t, cp, n), m) {
			t.Errorf("page %d lacks %s", n, m)
		}
	}
	// The rotated page keeps /Rotate and the offset page its boxes.
	if got := testpdf.PDFInfo(t, cp, 5)["Page 5 rot"]; got != "90" {
		t.Errorf("page 5 rot = %q", got)
	}
	if got := testpdf.PDFInfo(t, cp, 8)["Page 8 CropBox"]; testpdf.Squash(got) != testpdf.Squash("150.00 150.00 645.00 892.00") {
		t.Errorf("page 8 CropBox = %q", got)
	}
	// The footer is upright at the bottom centre of every page as shown,
	// including the rotated page and the page with an offset crop box.
	for _, n := range []int{1, 5, 7, 8} {
		checkFooter(t, cp, n)
	}
	// Identity in the metadata.
	meta := testpdf.PDFInfo(t, cp, 0)
	if !strings.Contains(meta["Keywords"], testStamp.License) || !strings.Contains(meta["Subject"], "李四") ||
		!strings.Contains(meta["Subject"], testCase.CaseNo) || meta["Title"] != testCase.Title {
		t.Errorf("metadata: %v", meta)
	}
	raw, _ := os.ReadFile(cp)
	if !strings.Contains(string(raw), "/YuejuanLicense(11101200010123456)") {
		t.Error("custom info entry YuejuanLicense missing")
	}
	// Stamping is reproducible too.
	cp2 := filepath.Join(dir, "copy2.pdf")
	if err := StampCopy(context.Background(), base, cp2, testStamp); err != nil {
		t.Fatal(err)
	}
	raw2, _ := os.ReadFile(cp2)
	if string(raw) != string(raw2) {
		t.Error("two stamped copies differ")
	}
}

// checkFooter finds the footer words with pdftotext -bbox and checks they
// lie in the bottom 20 points of the page as displayed, centred, in one line.
// (pdftotext gives word boxes relative to the crop box in the displayed
// orientation, but the page size unrotated.)
func checkFooter(t *testing.T, file string, n int) {
	t.Helper()
	rot := testpdf.PDFInfo(t, file, n)["Page "+strconv.Itoa(n)+" rot"]
	out := testpdf.Run(t, "pdftotext", "-cropbox", "-bbox", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), file, "-")
	var pw, ph float64
	var words []string
	minX, maxX := 1e9, -1e9
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "<page ") {
			pw = attr(l, "width")
			ph = attr(l, "height")
			if rot == "90" || rot == "270" {
				pw, ph = ph, pw
			}
		}
		if !strings.HasPrefix(l, "<word ") {
			continue
		}
		yMin, yMax := attr(l, "yMin"), attr(l, "yMax")
		if yMin > ph-20 && yMax <= ph+0.5 {
			words = append(words, l[strings.Index(l, ">")+1:strings.LastIndex(l, "</word>")])
			minX = min(minX, attr(l, "xMin"))
			maxX = max(maxX, attr(l, "xMax"))
		}
	}
	if !strings.Contains(strings.Join(words, ""), testpdf.Squash(testStamp.Text())) {
		t.Errorf("page %d: no footer in the bottom 20 pt: %q", n, words)
		return
	}
	if c := (minX + maxX) / 2; c < pw/2-3 || c > pw/2+3 {
		t.Errorf("page %d: footer centred at x=%.1f of %.1f", n, c, pw)
	}
}

func attr(l, name string) float64 {
	i := strings.Index(l, name+"=\"")
	if i < 0 {
		return 0
	}
	s := l[i+len(name)+2:]
	s = s[:strings.IndexByte(s, '"')]
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
