// Command gen writes the shared sample case of the tests and the README's
// demo: testdata/sample-case (a few scans in two volumes and the
// manifest.json that `yuejuan assemble` reads) and
// testdata/sample-case.toc.txt (the 卷内目录 the assembled dossier must show).
//
// Run it from the repository root; it writes the same bytes every time:
//
//	go run ./testdata/gen            # rewrites testdata/sample-case*
//	go run ./testdata/gen -out DIR   # writes DIR/sample-case* instead
//
// Everything is drawn here: gray "scanned pages" with lines of text as bars
// (JPEG and PNG, from the standard library's encoders), a colour "photo"
// (PNG) and small PDFs written by hand. Nothing is copied from elsewhere.
//
// The expected 卷内目录 is worked out from the layout rules, not by running
// the assembler: page 1 is the cover; each volume starts with its 卷内目录
// (26 rows a page), then its documents in manifest order, one page per image
// and every page of a PDF; a document's line gives its number in the volume,
// its title and the dossier pages it covers.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"strings"
)

// A document of the sample case: its file, its title, and the content.
type doc struct {
	file  string
	title string
	pages int
	data  func() []byte
}

type volume struct {
	num   int
	title string
	docs  []doc
}

const (
	caseNo    = "某检刑诉〔2025〕8号"
	caseTitle = "张某某盗窃案"
	caseUnit  = "某区人民检察院"
	tocRows   = 26 // rows of a 卷内目录 page (pkg/dossier)
)

func sample() []volume {
	return []volume{
		{1, "诉讼文书卷", []doc{
			{"01/qisu-yijianshu.pdf", "起诉意见书", 2, func() []byte { return textPDF("Sample prosecution opinion", 2) }},
			{"01/xunwen-bilu.jpg", "讯问笔录", 1, func() []byte { return scanJPEG(1) }},
			{"01/tixunzheng.png", "提讯证", 1, func() []byte { return scanPNG(2) }},
		}},
		{2, "证据材料卷", []doc{
			{"02/kanyan-bilu.jpg", "现场勘验笔录", 1, func() []byte { return scanJPEG(3) }},
			{"02/xianchang-zhaopian.png", "现场照片", 1, func() []byte { return photoPNG() }},
			{"02/jianding-yijian.pdf", "鉴定意见", 1, func() []byte { return textPDF("Sample expert opinion", 1) }},
		}},
	}
}

func main() {
	out := flag.String("out", "testdata", "directory to write sample-case/ and sample-case.toc.txt into")
	flag.Parse()
	vols := sample()
	root := filepath.Join(*out, "sample-case")
	if err := os.RemoveAll(root); err != nil {
		log.Fatal(err)
	}
	for _, v := range vols {
		for _, d := range v.docs {
			write(filepath.Join(root, filepath.FromSlash(d.file)), d.data())
		}
	}
	write(filepath.Join(root, "manifest.json"), manifest(vols))
	write(filepath.Join(*out, "sample-case.toc.txt"), []byte(toc(vols)))
}

func write(path string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
}

// manifest is the manifest.json of `yuejuan assemble` (cmd/yuejuan/assemble.go).
func manifest(vols []volume) []byte {
	type mdoc struct {
		File  string `json:"file"`
		Title string `json:"title"`
	}
	type mvol struct {
		Volume    int    `json:"volume"`
		Title     string `json:"title"`
		Documents []mdoc `json:"documents"`
	}
	m := struct {
		CaseNo  string `json:"caseNo"`
		Title   string `json:"title"`
		Unit    string `json:"unit"`
		Volumes []mvol `json:"volumes"`
	}{CaseNo: caseNo, Title: caseTitle, Unit: caseUnit}
	for _, v := range vols {
		mv := mvol{Volume: v.num, Title: v.title}
		for _, d := range v.docs {
			mv.Documents = append(mv.Documents, mdoc{d.file, d.title})
		}
		m.Volumes = append(m.Volumes, mv)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// toc is the expected text of every 卷内目录 page: "== page N" and then the
// page's non-empty lines as `pdftotext -layout` shows them, the page number
// line first. The test compares the lines with all white space removed:
// how pdftotext spaces CJK text is not the dossier's to decide.
func toc(vols []volume) string {
	total := 1 // the cover
	for _, v := range vols {
		total += (len(v.docs) + tocRows - 1) / tocRows
		for _, d := range v.docs {
			total += d.pages
		}
	}
	var b strings.Builder
	b.WriteString("# The 卷内目录 of testdata/sample-case, written by `go run ./testdata/gen`; do not edit.\n")
	b.WriteString("# Each \"== page N\" is followed by that page's non-empty lines as `pdftotext -layout` shows them;\n")
	b.WriteString("# the test (cmd/yuejuan/samplecase_test.go) compares them with all white space removed.\n")
	page := 1 // the cover
	for _, v := range vols {
		tocPages := (len(v.docs) + tocRows - 1) / tocRows
		first := page + 1
		page += tocPages
		type row struct {
			seq               int
			title, ids, pages string
		}
		var rows []row
		id := 0 // page identifiers within the volume (docs/versions.md)
		for i, d := range v.docs {
			span := fmt.Sprint(page + 1)
			ids := fmt.Sprintf("%04d", id+1)
			if d.pages > 1 {
				span = fmt.Sprintf("%d-%d", page+1, page+d.pages)
				ids += fmt.Sprintf("-%04d", id+d.pages)
			}
			rows = append(rows, row{i + 1, d.title, ids, span})
			page += d.pages
			id += d.pages
		}
		for p := range tocPages {
			head := fmt.Sprintf("第 %d 卷 %s", v.num, v.title)
			if p > 0 {
				head += "（续）"
			}
			fmt.Fprintf(&b, "== page %d\n第 %d 页 / 共 %d 页\n卷%d-目录\n卷内目录\n%s\n案号：%s 共 %d 件\n序号 文件名称 页码标识 页号\n",
				first+p, first+p, total, v.num, head, caseNo, len(v.docs))
			for _, r := range rows[p*tocRows : min(len(rows), (p+1)*tocRows)] {
				fmt.Fprintf(&b, "%d %s %s %s\n", r.seq, r.title, r.ids, r.pages)
			}
		}
	}
	return b.String()
}

// page is a gray A4-shaped "scan" at 60 dpi: a margin, a heading bar and
// lines of text as bars whose lengths vary with seed.
func page(seed int) *image.Gray {
	const w, h = 496, 702
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 246
	}
	bar := func(x0, y0, x1, y1 int, c uint8) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Pix[y*w+x] = c
			}
		}
	}
	bar(150, 60, 346, 76, 30) // heading
	r := uint32(seed*2654435761 + 12345)
	for y := 110; y+8 < h-60; y += 22 {
		r = r*1664525 + 1013904223
		end := 400 + int(r>>24)%40
		if (y/22)%7 == 6 {
			end = 120 + int(r>>24)%200 // the last line of a paragraph
		}
		bar(50, y, end, y+8, 70)
	}
	return img
}

func scanJPEG(seed int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, page(seed), &jpeg.Options{Quality: 60}); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func scanPNG(seed int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, page(seed)); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// photoPNG is a small colour "photo": a floor, a wall, a door and a window.
func photoPNG() []byte {
	const w, h = 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{200, 190, 170, 255} // wall
			switch {
			case y > 170:
				c = color.RGBA{120, 90, 60, 255} // floor
			case x > 40 && x < 110 && y > 50:
				c = color.RGBA{90, 60, 40, 255} // door
			case x > 180 && x < 280 && y > 40 && y < 120:
				c = color.RGBA{150, 190, 230, 255} // window
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

// textPDF is an A4 PDF of n pages, each showing marker and its page number
// in Helvetica, with a correct cross-reference table.
func textPDF(marker string, n int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"", // the page tree, below
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var kids []string
	for i := range n {
		content := fmt.Sprintf("BT /F1 20 Tf 72 760 Td (%s) Tj 0 -30 Td (page %d of %d) Tj ET", marker, i+1, n)
		pageObj := len(objs) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", pageObj))
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pageObj+1),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
