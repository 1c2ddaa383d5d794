package ocr

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// engine is the engine the tests use; a machine without Tesseract fails
// them with the install command.
func engine(t *testing.T) *Engine {
	t.Helper()
	e := &Engine{}
	if err := e.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func truthDir() string { return filepath.Join("..", "..", "testdata", "ocr") }

// pngOf writes the ground-truth JPEG name turned clockwise by deg as a
// PNG in a temporary directory.
func pngOf(t *testing.T, name string, deg int) string {
	t.Helper()
	m := greyOf(t, name)
	p := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".jpg")+".png")
	g, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(g, Turn(m, deg)); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOrientation(t *testing.T) {
	e := engine(t)
	for _, deg := range []int{0, 90, 180, 270} {
		img := pngOf(t, "qisu-clean300.jpg", deg)
		rot, conf, err := e.Orientation(context.Background(), img, 300)
		if err != nil {
			t.Fatal(err)
		}
		want := (360 - deg) % 360
		t.Logf("turned %d: OSD says rotate %d (confidence %.1f)", deg, rot, conf)
		if rot != want {
			t.Errorf("page turned %d° clockwise: OSD says rotate %d, want %d", deg, rot, want)
		}
	}
}

func TestTurn(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 3, 2))
	m.Pix = []uint8{1, 2, 3, 4, 5, 6}
	for deg, want := range map[int][]uint8{90: {4, 1, 5, 2, 6, 3}, 180: {6, 5, 4, 3, 2, 1}, 270: {3, 6, 2, 5, 1, 4}, 0: {1, 2, 3, 4, 5, 6}} {
		got := Turn(m, deg)
		if string(got.Pix) != string(want) {
			t.Errorf("Turn %d: %v, want %v", deg, got.Pix, want)
		}
	}
}

func TestRecognize(t *testing.T) {
	e := engine(t)
	words, err := e.Recognize(context.Background(), filepath.Join(truthDir(), "qisu-clean300.jpg"), 300)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, w := range words {
		text.WriteString(w.Text)
	}
	for _, want := range []string{"起诉意见书", "张建国", "李秀英", "110105198506120035", "8600"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("recognised text lacks %q:\n%s", want, text.String())
		}
	}
	if c := MeanConf(words); c < poorConf {
		t.Errorf("mean confidence %.1f on a clean page, want ≥ %d", c, poorConf)
	}
	// The heading's words lie on its line, centred on the 2480-pixel page
	// 2.5 cm (295 px) from the top.
	w := words[0]
	if w.Line != 1 || w.Box[1] < 280 || w.Box[3] > 380 || w.Box[0] < 900 || w.Box[2] > 1600 {
		t.Errorf("first word %+v: want on the heading's line near the top centre", w)
	}
}

func TestParseTSV(t *testing.T) {
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n" +
		"5\t1\t1\t1\t1\t1\t992\t301\t46\t49\t92.66\t某\n" +
		"5\t1\t1\t1\t1\t2\t1063\t301\t25\t48\t96.5\t市 \n" +
		"5\t1\t1\t1\t1\t3\t10\t10\t5\t5\t95\t \n" +
		"5\t1\t1\t2\t1\t1\t397\t402\t66\t50\t50\tab\n"
	words, err := ParseTSV(strings.NewReader(tsv))
	if err != nil {
		t.Fatal(err)
	}
	want := []Word{{"某", [4]int{992, 301, 1038, 350}, 92.66, 1}, {"市", [4]int{1063, 301, 1088, 349}, 96.5, 1}, {"ab", [4]int{397, 402, 463, 452}, 50, 2}}
	if len(words) != len(want) {
		t.Fatalf("%d words, want %d: %+v", len(words), len(want), words)
	}
	for i := range want {
		if words[i] != want[i] {
			t.Errorf("word %d: %+v, want %+v", i, words[i], want[i])
		}
	}
	if c := MeanConf(words); c < 72.2 || c > 72.4 {
		t.Errorf("MeanConf %.2f, want (92.66+96.5+2×50)/4", c)
	}
	if _, err := ParseTSV(strings.NewReader("5\t1\t1\n")); err == nil {
		t.Error("a short line parsed")
	}
}

func TestUsable(t *testing.T) {
	for s, want := range map[string]bool{
		"":      false,
		"  \n ": false,
		"第 3 页": false, // too little to be a page's text
		"犯罪嫌疑人张建国，男，1985 年出生":                                                      true,
		"\ufffd\ufffd\ufffd\ufffd张建国":                                              false,
		"\ue000\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008\ue009\ue00a\ue00b": false,
		"The defendant was born in 1985":                                           true,
	} {
		if got := Usable(s); got != want {
			t.Errorf("Usable(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckNamesTheInstall(t *testing.T) {
	e := &Engine{Tesseract: "tesseract-not-installed"}
	err := e.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), InstallHint) || !strings.Contains(err.Error(), "YUEJUAN_OCR=off") {
		t.Errorf("Check without tesseract: %v; want the install command and the switch", err)
	}
	e = &Engine{Langs: "chi_sim+klingon"}
	if err := e.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "language data klingon") {
		t.Errorf("Check without a language: %v", err)
	}
}

func TestDespeckle(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range m.Pix {
		m.Pix[i] = 235 // paper
	}
	fill := func(x0, y0, x1, y1 int, v uint8) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				m.Pix[y*m.Stride+x] = v
			}
		}
	}
	fill(20, 20, 60, 60, 30)    // a stroke
	fill(64, 55, 68, 59, 30)    // a full stop beside it
	fill(150, 70, 155, 75, 40)  // a speck far from any stroke
	fill(100, 10, 103, 13, 128) // a grey speck, still ink by Otsu
	got := Despeckle(m, 300)
	at := func(x, y int) uint8 { return got.Pix[y*got.Stride+x] }
	if at(40, 40) != 30 || at(66, 57) != 30 {
		t.Errorf("stroke %d or its full stop %d changed", at(40, 40), at(66, 57))
	}
	if at(152, 72) != 255 || at(101, 11) != 255 {
		t.Errorf("specks left: %d, %d", at(152, 72), at(101, 11))
	}
	if at(5, 5) != 235 {
		t.Errorf("paper changed to %d", at(5, 5))
	}
}

func TestPGM(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 3, 2))
	m.Pix = []uint8{1, 2, 3, 10, 11, 12}
	p := filepath.Join(t.TempDir(), "p.pgm")
	if err := writePGM(p, m); err != nil {
		t.Fatal(err)
	}
	got, err := readPGM(p)
	if err != nil || got.Rect != m.Rect || string(got.Pix) != string(m.Pix) {
		t.Fatalf("read back %v %v, want %v", got, err, m.Pix)
	}
}

// TestDocumentKeepsTextLayers: a page with a usable text layer of its own
// is not recognised (Tesseract is not even run: here it would fail), and a
// scanned page is.
func TestDocumentKeepsTextLayers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pdf := filepath.Join(dir, "text.pdf")
	if err := os.WriteFile(pdf, testpdf.Text("THE DEFENDANT WAS BORN IN 1985"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := (&Engine{Tesseract: "/bin/false"}).Document(ctx, pdf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Pages[0]; !p.Text || p.Error != "" || len(p.Words) != 0 {
		t.Errorf("a page with its own text: %+v, want kept as it is", p)
	}
	scanned := filepath.Join(dir, "scan.pdf")
	if _, err := scan.Ingest(ctx, filepath.Join(truthDir(), "xunwen-clean200.jpg"), scanned, scan.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	res, err = engine(t).Document(ctx, scanned, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Pages[0]; p.Text || p.Error != "" || len(p.Words) < 50 || p.W < 2478 || p.W > 2482 || p.H < 3506 || p.H > 3510 {
		t.Errorf("a scanned page: text %v, error %q, %d words, %d×%d; want recognised at 300 dpi (A4: about 2480×3508)", p.Text, p.Error, len(p.Words), p.W, p.H)
	}
}

// TestDropSpecks: lone full stops, quotation marks and dashes read with
// low confidence go (specks beside a line); the same read with
// confidence, Chinese punctuation, commas, colons and words with
// punctuation in them stay.
func TestDropSpecks(t *testing.T) {
	in := []Word{
		{Text: ".", Conf: 16}, {Text: "”", Conf: 55}, {Text: "-", Conf: 30}, {Text: "..", Conf: 22},
		{Text: ".", Conf: 80}, {Text: "”", Conf: 64}, {Text: "。", Conf: 30}, {Text: "，", Conf: 40},
		{Text: ":", Conf: 30}, {Text: "3.5", Conf: 20}, {Text: "张建国", Conf: 20},
	}
	var got []string
	for _, w := range dropSpecks(in) {
		got = append(got, w.Text)
	}
	if want := []string{".", "”", "。", "，", ":", "3.5", "张建国"}; !slices.Equal(got, want) {
		t.Errorf("dropSpecks kept %q, want %q", got, want)
	}
}
