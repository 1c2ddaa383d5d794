package dossier

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// The tests below pin pdfcpu v0.15.0 bugs this package works around. If one
// fails after a pdfcpu upgrade, the bug is fixed and the workaround (see the
// comment named) may go.

// pdfcpu's stamp/watermark drops /Rotate and bakes the rotation into the
// content, and ignores an offset box origin when doing so, so the page
// content moves (see StampCopy, which draws its own overlay).
func TestPdfcpuStampBakesRotation(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	testpdf.Make(t, in, testpdf.Page{Marker: "R", Rotate: 90, Media: []float64{100, 100, 695, 942}, Crop: []float64{150, 150, 645, 892}})
	wm, err := api.TextWatermark("stamp", "font:Helvetica, points:24, op:0.3", true, false, types.POINTS)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pdf")
	if err := api.AddWatermarksFile(in, out, nil, wm, cjkfont.Configuration()); err != nil {
		t.Fatal(err)
	}
	if rot := testpdf.PDFInfo(t, out, 1)["Page 1 rot"]; rot != "0" {
		t.Skipf("pdfcpu keeps /Rotate %s now: StampCopy's own overlay may be unnecessary", rot)
	}
}

// pdfcpu's ToUnicode CMap covers only the first 100 glyphs of a subset;
// textKit.finish writes a complete one. Regression test: text with many
// distinct characters stays extractable.
func TestToUnicodeBeyond100Glyphs(t *testing.T) {
	dir := t.TempDir()
	var docs []Document
	title := "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星辰山川河海风雨雷电春夏秋冬东南西北上下左右前后"
	for i := 0; i < 4; i++ {
		p := filepath.Join(dir, "d"+itoa(i)+".pdf")
		testpdf.Make(t, p, testpdf.Page{Marker: "M"})
		docs = append(docs, Document{Volume: 1, Seq: i, Title: string([]rune(title)[i*13 : i*13+13]), Path: p})
	}
	out := filepath.Join(dir, "base.pdf")
	if _, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	text := testpdf.Squash(testpdf.PageText(t, out, 2))
	for _, d := range docs {
		if !strings.Contains(text, d.Title) {
			t.Errorf("TOC text lacks %s: %s", d.Title, text)
		}
	}
}
