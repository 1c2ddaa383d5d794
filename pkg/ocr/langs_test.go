package ocr

import (
	"context"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/yuejuan/yuejuan/internal/ocrtruth"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

func TestMostlyLatin(t *testing.T) {
	for _, c := range []struct {
		words []string
		want  bool
	}{
		{[]string{"WITNESS", "STATEMENT", "I,", "Michael", "Anderson,", "李"}, true},
		{[]string{"答", ":RT,RBIAMR.", "Ja)", "4ET", "SWART.", "答AT,PSBIMEANIA."}, true}, // gibberish Chinese lines were read as
		{[]string{"扣押物品清单", "手机一部，品牌", "Apple", "序列号", "F2LXK9"}, false},
		{[]string{"110105198506120035", "张"}, false},
		{[]string{"l", "I|", "ii", "Wm"}, false}, // a photograph's few "letters"
		{nil, false},
	} {
		var ws []Word
		for _, w := range c.words {
			ws = append(ws, Word{Text: w})
		}
		if got := MostlyLatin(ws); got != c.want {
			t.Errorf("MostlyLatin(%q) = %v, want %v", c.words, got, c.want)
		}
	}
}

// cerOf is the character error rate of the words' text against truth, as
// pkg/dossier's ground-truth test measures it.
func cerOf(words []Word, truth string) float64 {
	var got strings.Builder
	for _, w := range words {
		got.WriteString(w.Text)
	}
	return ocrtruth.CER(got.String(), truth)
}

// recogniseFile takes the image at src through ingest and Document, as
// the ingest job does, and gives the page.
func recogniseFile(t *testing.T, e *Engine, src string) Page {
	t.Helper()
	ctx := context.Background()
	pdf := filepath.Join(t.TempDir(), "p.pdf")
	if _, err := scan.Ingest(ctx, src, pdf, scan.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	res, err := e.Document(ctx, pdf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Pages[0]; p.Error != "" {
		t.Fatalf("%s: %s", src, p.Error)
	}
	return res.Pages[0]
}

// TestNoisyChineseStaysChinese: the noisy 200 dpi 讯问笔录 is read in
// Chinese throughout. With English beside Chinese in one reading
// (chi_sim+eng), Tesseract gave pieces of it to the English model: its
// last line, 答：没有了，我愿意退赔被害人的损失。, came out as ":RT,RBIAMR.",
// 问 as "Ja)", 13.1 % of characters wrong; read in Chinese first it
// measured 6.0 %, and 3.9 % now (Sauvola, specks left out).
func TestNoisyChineseStaysChinese(t *testing.T) {
	p := recogniseFile(t, engine(t), filepath.Join(truthDir(), "xunwen-noisy200.jpg"))
	var text strings.Builder
	for _, w := range p.Words {
		text.WriteString(w.Text)
	}
	for _, want := range []string{"听清楚了", "我愿意退赔被害人的损失"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the page lacks %q:\n%s", want, text.String())
		}
	}
	for _, w := range p.Words {
		latin := 0
		for _, r := range w.Text {
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
		if latin >= 3 {
			t.Errorf("Latin word %q on a page without any", w.Text)
		}
	}
	truth, err := os.ReadFile(filepath.Join(truthDir(), "xunwen.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if r := cerOf(p.Words, string(truth)); r > 0.08 {
		t.Errorf("CER %.2f %%, want ≤ 8 %% (the issue's target for noisy 200 dpi scans)", 100*r)
	}
}

// TestDocumentReadsEnglish: a witness statement in English reads mostly
// as Latin letters in Chinese, so it is read again with English beside
// Chinese, which reads it better (confidence 95 against 87) and is kept;
// its words and their order are there, the first on the heading's line.
// (The ground truth's renderer breaks lines anywhere, as Chinese is
// set, so a few words are split across lines.)
func TestDocumentReadsEnglish(t *testing.T) {
	statement := ocrtruth.Text{Name: "statement", Title: "证人证言", Body: []string{
		"WITNESS STATEMENT",
		"I, Michael Anderson, of 14 Harbour Road, Hong Kong, make this statement voluntarily. On the evening of 14 March 2026, at about 9 p.m., I saw a man take a black handbag from a white car in the car park of the shopping centre.",
		"The handbag contained cash of RMB 8,600 and an iPhone 14 (IMEI 356938035643809). The man wore a grey jacket and drove away in a BMW X5, plate number JING-A 12345.",
		"Signed: M. Anderson. Passport No. E12345678. Tel: +852 6123 4567, email m.anderson@example.com.",
	}}
	pg, err := ocrtruth.Render(statement, ocrtruth.Conditions[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "statement.jpg")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, pg.Img, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e := engine(t)
	p := recogniseFile(t, e, src)
	var words []string
	for _, w := range p.Words {
		words = append(words, w.Text)
	}
	text := strings.Join(words, " ")
	for _, want := range []string{"WITNESS STATEMENT", "Michael Anderson, of 14 Harbour Road, Hong Kong,", "The handbag contained cash of RMB 8,600", "Passport No. E12345678."} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement lacks %q:\n%s", want, text)
		}
	}
	if c := MeanConf(p.Words); c < 90 {
		t.Errorf("mean confidence %.1f, want ≥ 90 (read with English; in Chinese alone it reads at 87)", c)
	}
	if r := cerOf(p.Words, statement.Truth()); r > 0.01 {
		t.Errorf("CER %.2f %%, want ≤ 1 %%", 100*r)
	}
	if b := p.Words[0].Box; b[1] < 250 || b[3] > 380 {
		t.Errorf("first word %q at %v: want on the heading's line, 2.5 cm from the top", p.Words[0].Text, b)
	}
}
