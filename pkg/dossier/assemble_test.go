package dossier

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

var testCase = CaseInfo{
	CaseNo: "京检刑诉〔2025〕12号",
	Title:  "张某某盗窃案",
	Unit:   "北京市某区人民检察院",
	Date:   time.Date(2025, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
}

// fixture ingests four documents in two volumes and returns them shuffled.
// Dossier layout: 1 cover, 2 TOC vol 1, 3-4 起诉意见书 (DOCA1, DOCA2),
// 5 讯问笔录 (DOCB1, /Rotate 90), 6 TOC vol 2, 7 现场照片 (JPEG),
// 8 鉴定意见 (DOCD1, offset CropBox).
func fixture(t *testing.T, dir string) []Document {
	t.Helper()
	p := func(n string) string { return filepath.Join(dir, n) }
	testpdf.Make(t, p("a.pdf"), testpdf.Page{Marker: "DOCA1"}, testpdf.Page{Marker: "DOCA2"})
	testpdf.Make(t, p("b.pdf"), testpdf.Page{Marker: "DOCB1", Rotate: 90})
	testpdf.WriteFile(t, p("c.jpg"), testpdf.WithJFIF(testpdf.EncodeJPEG(t, testpdf.ScanImage(1200, 1600, false)), 200))
	testpdf.Make(t, p("d.pdf"), testpdf.Page{Marker: "DOCD1", Media: []float64{100, 100, 695, 942}, Crop: []float64{150, 150, 645, 892}})
	for _, n := range []string{"a.pdf", "b.pdf", "c.jpg", "d.pdf"} {
		if _, err := scan.Ingest(context.Background(), p(n), p(n+".in.pdf"), scan.Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	return []Document{
		{Volume: 2, VolumeTitle: "证据材料卷", Seq: 2, Title: "鉴定意见", Path: p("d.pdf.in.pdf")},
		{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 2, Title: "讯问笔录", Path: p("b.pdf.in.pdf")},
		{Volume: 2, Seq: 1, Title: "现场照片", Path: p("c.jpg.in.pdf")},
		{Volume: 1, Seq: 1, Title: "起诉意见书", Path: p("a.pdf.in.pdf")},
	}
}

func TestAssembleBase(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	out := filepath.Join(dir, "base.pdf")
	start := time.Now()
	man, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("assembled in %v", time.Since(start))
	testpdf.QPDFCheck(t, out)

	want := Manifest{Pages: 8, Volumes: []VolumeEntry{
		{Volume: 1, Title: "诉讼文书卷", TOCPage: 2, Docs: []TOCEntry{{"起诉意见书", 3, 4, "", "0001-0002", 0}, {"讯问笔录", 5, 5, "", "0003", 0}}},
		{Volume: 2, Title: "证据材料卷", TOCPage: 6, Docs: []TOCEntry{{"现场照片", 7, 7, "", "0001", 0}, {"鉴定意见", 8, 8, "", "0002", 0}}},
	}}
	if !equalManifest(man, want) {
		t.Fatalf("manifest\n got %+v\nwant %+v", man, want)
	}
	if got := testpdf.PDFInfo(t, out, 0)["Pages"]; got != "8" {
		t.Fatalf("pdfinfo pages = %s", got)
	}

	// What a reader checks, page by page.
	expect := map[int][]string{
		1: {"电子卷宗", testCase.CaseNo, testCase.Title, testCase.Unit, "共 8 页", "共 2 卷", "2025年3月1日"},
		2: {"卷内目录", "第 1 卷", "诉讼文书卷", "起诉意见书", "3-4", "讯问笔录", "5"},
		3: {"DOCA1"}, 4: {"DOCA2"}, 5: {"DOCB1"},
		6: {"卷内目录", "第 2 卷", "证据材料卷", "现场照片", "鉴定意见", "8"},
		8: {"DOCD1"},
	}
	markers := []string{"DOCA1", "DOCA2", "DOCB1", "DOCD1"}
	for n := 1; n <= 8; n++ {
		text := testpdf.PageText(t, out, n)
		for _, s := range expect[n] {
			if !strings.Contains(testpdf.Squash(text), testpdf.Squash(s)) {
				t.Errorf("page %d lacks %q:\n%s", n, s, text)
			}
		}
		for _, m := range markers { // document pages in order, nowhere else
			if strings.Contains(text, m) != contains(expect[n], m) {
				t.Errorf("page %d: marker %s misplaced", n, m)
			}
		}
		if num := "第" + itoa(n) + "页/共8页"; !strings.Contains(testpdf.Squash(text), num) {
			t.Errorf("page %d lacks page number %s:\n%s", n, num, text)
		}
	}

	// /Rotate and the offset boxes survive.
	if got := testpdf.PDFInfo(t, out, 5)["Page 5 rot"]; got != "90" {
		t.Errorf("page 5 rot = %q", got)
	}
	if got := testpdf.PDFInfo(t, out, 8)["Page 8 CropBox"]; testpdf.Squash(got) != testpdf.Squash("150.00 150.00 645.00 892.00") {
		t.Errorf("page 8 CropBox = %q", got)
	}

	// Metadata.
	meta := testpdf.PDFInfo(t, out, 0)
	if meta["Title"] != testCase.Title || !strings.Contains(meta["Subject"], testCase.CaseNo) || meta["Creator"] != "yuejuan" {
		t.Errorf("metadata: %v", meta)
	}

	// Bookmarks volume -> document, and the TOC links.
	pc, err := api.ReadContextFile(out)
	if err != nil {
		t.Fatal(err)
	}
	bms, err := pdfcpu.Bookmarks(pc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range bms {
		got = append(got, v.Title+"@"+itoa(v.PageFrom))
		for _, d := range v.Kids {
			got = append(got, "  "+d.Title+"@"+itoa(d.PageFrom))
		}
	}
	wantBM := []string{"第 1 卷 诉讼文书卷@2", "  起诉意见书（卷1 0001-0002）@3", "  讯问笔录（卷1 0003）@5", "第 2 卷 证据材料卷@6", "  现场照片（卷2 0001）@7", "  鉴定意见（卷2 0002）@8"}
	if strings.Join(got, "\n") != strings.Join(wantBM, "\n") {
		t.Errorf("bookmarks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantBM, "\n"))
	}
	links := tocLinks(t, pc, 2)
	if strings.Join(links, ",") != "3,5" {
		t.Errorf("TOC links of page 2 go to %v", links)
	}

	// Deterministic: a second build is byte-identical.
	out2 := filepath.Join(dir, "base2.pdf")
	if _, err := AssembleBase(context.Background(), testCase, docs, out2, AssembleOptions{}); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(out)
	b2, _ := os.ReadFile(out2)
	if !bytes.Equal(b1, b2) {
		t.Errorf("two builds differ (%d and %d bytes)", len(b1), len(b2))
	}
}

// tocLinks lists the target page numbers of the link annotations on page n.
func tocLinks(t *testing.T, pc *model.Context, n int) []string {
	t.Helper()
	d, _, _, err := pc.PageDict(n, false)
	if err != nil {
		t.Fatal(err)
	}
	annots, err := pc.DereferenceArray(d["Annots"])
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range annots {
		ad, err := pc.DereferenceDict(a)
		if err != nil {
			t.Fatal(err)
		}
		dest, _ := pc.DereferenceArray(ad["Dest"])
		if len(dest) == 0 {
			t.Fatalf("link without /Dest: %v", ad)
		}
		nr, err := pdfcpu.PageNrFromDestination(pc, dest)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, itoa(nr))
	}
	return out
}

func TestAssemblePlaceholders(t *testing.T) {
	dir := t.TempDir()
	docs := fixture(t, dir)
	bad1 := testpdf.WriteFile(t, filepath.Join(dir, "broken.pdf"), []byte("%PDF-1.7\nthis is not really a pdf"))
	docs = append(docs,
		Document{Volume: 1, Seq: 3, Title: "搜查笔录", Path: bad1},
		Document{Volume: 2, Seq: 3, Title: "证人证言", Path: filepath.Join(dir, "missing.pdf")},
		Document{Volume: 2, Seq: 4, Title: "辨认笔录", Path: filepath.Join(dir, "scan.gif"), Rejected: "不支持 GIF 格式的图片 (GIF images are not supported)"},
	)

	// Without placeholders: one error naming every bad file.
	_, err := AssembleBase(context.Background(), testCase, docs, filepath.Join(dir, "x.pdf"), AssembleOptions{})
	var ae *AssembleError
	if !errors.As(err, &ae) || len(ae.Rejections) != 3 {
		t.Fatalf("want AssembleError with 3 rejections, got %v", err)
	}
	for _, s := range []string{"broken.pdf", "missing.pdf", "scan.gif", "搜查笔录", "证人证言"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not name %s: %v", s, err)
		}
	}
	var rej *scan.Rejection
	if !errors.As(err, &rej) {
		t.Error("errors.As(*Rejection) fails on AssembleError")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); !os.IsNotExist(err) {
		t.Error("failed assembly left a file")
	}

	// With placeholders: a slip-sheet per bad file.
	out := filepath.Join(dir, "base.pdf")
	man, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{Placeholders: true})
	if err != nil {
		t.Fatal(err)
	}
	testpdf.QPDFCheck(t, out)
	if man.Pages != 11 {
		t.Fatalf("pages = %d, want 11", man.Pages)
	}
	slip := man.Volumes[0].Docs[2]
	if slip.Title != "搜查笔录" || slip.FirstPage != 6 || slip.LastPage != 6 || slip.Placeholder == "" {
		t.Fatalf("slip entry %+v", slip)
	}
	text := testpdf.Squash(testpdf.PageText(t, out, 6))
	for _, s := range []string{"未能纳入", "搜查笔录", "broken.pdf", "损坏"} {
		if !strings.Contains(text, s) {
			t.Errorf("slip-sheet lacks %q: %s", s, text)
		}
	}
	if !strings.Contains(testpdf.Squash(testpdf.PageText(t, out, 11)), "GIF") {
		t.Error("slip-sheet for the rejected GIF lacks the reason")
	}
	if !strings.Contains(testpdf.Squash(testpdf.PageText(t, out, 2)), "搜查笔录") {
		t.Error("TOC lacks the placeholder entry")
	}
}

func equalManifest(a, b Manifest) bool {
	if a.Pages != b.Pages || len(a.Volumes) != len(b.Volumes) {
		return false
	}
	for i := range a.Volumes {
		va, vb := a.Volumes[i], b.Volumes[i]
		if va.Volume != vb.Volume || va.Title != vb.Title || va.TOCPage != vb.TOCPage || len(va.Docs) != len(vb.Docs) {
			return false
		}
		for j := range va.Docs {
			if va.Docs[j] != vb.Docs[j] {
				return false
			}
		}
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strings.TrimSpace(types.Integer(n).String()) }

func TestTOCContinues(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "one.pdf")
	testpdf.Make(t, src, testpdf.Page{Marker: "ONE"})
	var docs []Document
	for i := 1; i <= 30; i++ {
		docs = append(docs, Document{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: i, Title: "文书" + itoa(i), Path: src})
	}
	out := filepath.Join(dir, "base.pdf")
	man, err := AssembleBase(context.Background(), testCase, docs, out, AssembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if man.Pages != 33 || man.Volumes[0].TOCPage != 2 || man.Volumes[0].Docs[0].FirstPage != 4 {
		t.Fatalf("manifest %+v", man)
	}
	p3 := testpdf.Squash(testpdf.PageText(t, out, 3))
	if !strings.Contains(p3, "（续）") || !strings.Contains(p3, "文书27") || strings.Contains(p3, "文书26") {
		t.Errorf("second TOC page: %s", p3)
	}
	pc, err := api.ReadContextFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if l := tocLinks(t, pc, 2); len(l) != 26 || l[0] != "4" {
		t.Errorf("page 2 links %v", l)
	}
	if l := tocLinks(t, pc, 3); strings.Join(l, ",") != "30,31,32,33" {
		t.Errorf("page 3 links %v", l)
	}
}
