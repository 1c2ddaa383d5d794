package dossier

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/limits"
)

// cycle is n characters taken in turn from s.
func cycle(s string, n int) string {
	rs := []rune(s)
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[i%len(rs)]
	}
	return string(out)
}

const sampleText = "张某某等人组织领导参加黑社会性质组织寻衅滋事敲诈勒索非法拘禁故意伤害开设赌场强迫交易案"

// wordBox finds the word containing s on page n with pdftotext -bbox and
// returns its top and bottom (points from the top of the page).
func wordBox(t *testing.T, file string, n int, s string) (top, bottom float64, ok bool) {
	t.Helper()
	out := testpdf.Run(t, "pdftotext", "-bbox", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-enc", "UTF-8", file, "-")
	re := regexp.MustCompile(`<word xMin="[0-9.]+" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)">([^<]*)</word>`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		if strings.Contains(m[3], s) {
			top, _ = strconv.ParseFloat(m[1], 64)
			bottom, _ = strconv.ParseFloat(m[2], 64)
			return top, bottom, true
		}
	}
	return 0, 0, false
}

// The longest values the limits allow are laid out whole on the cover (the
// title wraps), shortened with an ellipsis in a 卷内目录 row, and the
// cover's last line stays on the page; the dossier builds.
func TestLayoutAtLimits(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.pdf")
	testpdf.Make(t, p, testpdf.Page{Marker: "DOCA1"})
	info := testCase
	info.CaseNo = cycle("京检刑诉〔2026〕第", limits.CaseNo.Max-4) + "123号"
	info.Title = cycle(sampleText, limits.CaseTitle.Max)
	docs := []Document{{Volume: limits.Volume.Max, VolumeTitle: cycle("诉讼文书卷第三册", limits.VolumeTitle.Max),
		Seq: limits.Seq.Max, Title: cycle("讯问笔录第三次", limits.MaterialTitle.Max), Path: p}}
	out := filepath.Join(dir, "base.pdf")
	start := time.Now()
	if _, err := AssembleBase(context.Background(), info, docs, out, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("every field at its limit: assembled in %v", time.Since(start))
	testpdf.QPDFCheck(t, out)

	cover := testpdf.Squash(testpdf.PageText(t, out, 1))
	for _, s := range []string{info.CaseNo, info.Title, "共3页", "2025年3月1日"} {
		if !strings.Contains(cover, s) {
			t.Errorf("cover lacks %.40s…: %s", s, cover)
		}
	}
	if strings.Contains(cover, "…") {
		t.Errorf("a value at its limit was shortened on the cover: %s", cover)
	}
	if _, bottom, ok := wordBox(t, out, 1, "2025年3月1日"); !ok || bottom > pdfpage.A4.H()-36 {
		t.Errorf("the cover's date line is at %v points from the top (found %v), want above the bottom margin (%v)", bottom, ok, pdfpage.A4.H()-36)
	}
	toc := testpdf.Squash(testpdf.PageText(t, out, 2))
	if want := string([]rune(docs[0].Title)[:20]); !strings.Contains(toc, want) || !strings.Contains(toc, "…") {
		t.Errorf("TOC row lacks the title's start %s and an ellipsis: %s", want, toc)
	}
	if !strings.Contains(toc, "第999卷") {
		t.Errorf("TOC lacks the volume number: %s", toc)
	}
}

// A value far over the limits (a record stored before them) still builds
// at once: the cover's title is cut to its lines with an ellipsis and the
// 卷内目录 row to one line. Such a title used to take about a day.
func TestLayoutLongTextLinear(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.pdf")
	testpdf.Make(t, p, testpdf.Page{Marker: "DOCA1"})
	info := testCase
	info.Title = cycle(sampleText, 340_000)
	info.Unit = cycle("北京市某区人民检察院", 5_000)
	docs := []Document{{Volume: 1, VolumeTitle: cycle("卷", 100_000), Seq: 1, Title: cycle("讯问笔录", 100_000), Path: p}}
	out := filepath.Join(dir, "base.pdf")
	start := time.Now()
	if _, err := AssembleBase(context.Background(), info, docs, out, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("340,000-character title, 100,000-character document title: assembled in %v", time.Since(start))
	cover := testpdf.Squash(testpdf.PageText(t, out, 1))
	if !strings.Contains(cover, info.Title[:60]) || strings.Count(cover, "…") < 2 {
		t.Errorf("cover: want the title's start and ellipses: %.600s", cover)
	}
	if _, bottom, ok := wordBox(t, out, 1, "2025年3月1日"); !ok || bottom > pdfpage.A4.H()-36 {
		t.Errorf("the cover's date line is at %v (found %v)", bottom, ok)
	}
}
