// Package ocrtruth renders known Chinese legal text as scanned page images,
// with every character's box, for measuring OCR: the ground truth of
// testdata/ocr (written by `go run ./internal/ocrtruth/gen`). The texts
// are invented (names, numbers and places are not real people's).
package ocrtruth

import (
	"fmt"
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
	"strings"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/yuejuan/yuejuan/assets/fonts"
	"github.com/yuejuan/yuejuan/internal/truetype"
)

// Texts are the documents rendered, by name: a 起诉意见书 and a 讯问笔录,
// each a few paragraphs with names and numbers.
var Texts = []Text{
	{Name: "qisu", Title: "起诉意见书", Body: []string{
		"某市公安局起诉意见书",
		"某公诉字〔2026〕第 0317 号",
		"犯罪嫌疑人张建国，男，1985 年 6 月 12 日出生，居民身份证号码 110105198506120035，汉族，大专文化，住北京市朝阳区望京街道 18 号院 3 号楼 502 室。",
		"经依法侦查查明：2026 年 3 月 14 日 21 时许，犯罪嫌疑人张建国在朝阳区某商场停车场内，趁被害人李秀英不备，将其放在车内的手提包盗走，包内有现金人民币 8600 元及手机一部，经鉴定价值人民币 4320 元。",
		"认定上述事实的证据如下：被害人李秀英的陈述，证人王海涛的证言，现场勘验笔录，监控录像，扣押清单及价格认定书。",
		"综上所述，犯罪嫌疑人张建国以非法占有为目的，秘密窃取他人财物，数额较大，其行为已触犯《中华人民共和国刑法》第二百六十四条之规定，涉嫌盗窃罪。依照《中华人民共和国刑事诉讼法》第一百六十二条之规定，现将此案移送审查起诉。",
	}},
	{Name: "xunwen", Title: "讯问笔录", Body: []string{
		"讯问笔录（第 2 次）",
		"时间：2026 年 3 月 16 日 9 时 30 分至 11 时 05 分",
		"地点：某市公安局朝阳分局执法办案中心第 3 讯问室",
		"侦查员：赵明远、孙丽娟　记录员：孙丽娟",
		"问：我们是某市公安局朝阳分局的侦查员，现依法对你进行讯问，你应当如实回答，对与本案无关的问题有拒绝回答的权利，你听清楚了吗？",
		"答：听清楚了。",
		"问：你把 3 月 14 日晚上的经过讲一下。",
		"答：那天晚上 9 点左右，我在商场停车场看到一辆白色轿车的车窗没有关，座位上放着一个黑色手提包，我就把包拿走了。包里有 8600 元现金和一部手机，现金我花了 2000 元，剩下的在我家里。",
		"问：你还有什么要补充的吗？",
		"答：没有了，我愿意退赔被害人的损失。",
	}},
}

// Text is one document of the ground truth.
type Text struct {
	Name  string   // file stem
	Title string   // its kind
	Body  []string // paragraphs
}

// Truth is the text as a reader would copy it: paragraphs joined by
// newlines.
func (t Text) Truth() string { return strings.Join(t.Body, "\n") + "\n" }

// Glyph is one rendered character and its box in pixels (y down).
type Glyph struct {
	R    rune
	Box  image.Rectangle
	Para int
}

// Page is a rendered page: the image and where each character is.
type Page struct {
	Img    *image.Gray
	Glyphs []Glyph
}

// Condition is how a page is "scanned".
type Condition struct {
	Name   string
	DPI    float64
	Noise  bool    // paper tone, speckles, grain
	Skew   float64 // degrees, counter-clockwise
	Rotate int     // 0 or 180: the page put in upside down
}

// Conditions are the conditions of testdata/ocr, with the issue's
// targets for clean 300 dpi and noisy 200 dpi.
var Conditions = []Condition{
	{Name: "clean300", DPI: 300},
	{Name: "clean200", DPI: 200},
	{Name: "noisy300", DPI: 300, Noise: true},
	{Name: "noisy200", DPI: 200, Noise: true},
	{Name: "skew+2", DPI: 300, Skew: 2},
	{Name: "skew-2", DPI: 300, Skew: -2},
	{Name: "rot180", DPI: 300, Rotate: 180},
}

// Render lays t out on an A4 page at c.DPI in 12-point WenQuanYi Zen Hei
// (小四, what such documents use), 2.5 cm margins, paragraphs indented by
// two characters, then applies c. seed makes the noise reproducible.
func Render(t Text, c Condition, seed uint64) (*Page, error) {
	// x/image's sfnt refuses the collection as a whole (a table offset it
	// does not expect); face 0 extracted on its own it reads.
	ttf, err := truetype.ExtractFace(fonts.ZenHeiTTC, 0)
	if err != nil {
		return nil, err
	}
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 12, DPI: c.DPI, Hinting: xfont.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	px := func(cm float64) int { return int(math.Round(cm / 2.54 * c.DPI)) }
	W, H := px(21.0), px(29.7)
	img := image.NewGray(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	m := face.Metrics()
	lineH := m.Height * 3 / 2 // 1.5 line spacing
	left, right := fixed.I(px(2.5)), fixed.I(W-px(2.5))
	y := fixed.I(px(2.5)) + m.Ascent
	d := &xfont.Drawer{Dst: img, Src: image.Black, Face: face}
	p := &Page{}
	em, _ := face.GlyphAdvance('中')
	for pi, para := range t.Body {
		x := left + 2*em
		if pi == 0 { // the heading, centred
			w := d.MeasureString(para)
			x = (fixed.I(W) - w) / 2
		}
		for _, r := range para {
			adv, _ := face.GlyphAdvance(r)
			if x+adv > right {
				x, y = left, y+lineH
			}
			d.Dot = fixed.Point26_6{X: x, Y: y}
			d.DrawString(string(r))
			if r != ' ' && r != '　' {
				p.Glyphs = append(p.Glyphs, Glyph{R: r, Para: pi, Box: image.Rect(x.Floor(), (y - m.Ascent).Floor(), (x + adv).Ceil(), (y + m.Descent).Ceil())})
			}
			x += adv
		}
		y += lineH
	}
	p.Img = img
	rng := rand.New(rand.NewPCG(seed, 0x6f6372))
	if c.Skew != 0 {
		p.rotate(c.Skew)
	}
	if c.Rotate == 180 {
		p.turn()
	}
	if c.Noise {
		noise(p.Img, rng)
	}
	return p, nil
}

// rotate turns the page by deg degrees counter-clockwise about its centre
// (bilinear, white outside), moving the glyph boxes with it (their
// bounding boxes once turned).
func (p *Page) rotate(deg float64) {
	src := p.Img
	b := src.Bounds()
	dst := image.NewGray(b)
	th := deg * math.Pi / 180
	sin, cos := math.Sin(th), math.Cos(th)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			// the source point that lands on (x, y); y grows downwards, so a
			// counter-clockwise turn on the page is clockwise in these axes
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := cos*dx - sin*dy + cx
			sy := sin*dx + cos*dy + cy
			dst.Pix[y*dst.Stride+x] = bilinear(src, sx, sy)
		}
	}
	fwd := func(x, y float64) (float64, float64) {
		dx, dy := x-cx, y-cy
		return cos*dx + sin*dy + cx, -sin*dx + cos*dy + cy
	}
	for i, g := range p.Glyphs {
		r := g.Box
		x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, c := range [][2]int{{r.Min.X, r.Min.Y}, {r.Max.X, r.Min.Y}, {r.Min.X, r.Max.Y}, {r.Max.X, r.Max.Y}} {
			u, v := fwd(float64(c[0]), float64(c[1]))
			x0, y0, x1, y1 = math.Min(x0, u), math.Min(y0, v), math.Max(x1, u), math.Max(y1, v)
		}
		p.Glyphs[i].Box = image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
	}
	p.Img = dst
}

func bilinear(m *image.Gray, x, y float64) uint8 {
	b := m.Bounds()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < 0 || y0 < 0 || x0+1 >= b.Dx() || y0+1 >= b.Dy() {
		return 255
	}
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 { return float64(m.Pix[y*m.Stride+x]) }
	v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
	return uint8(math.Round(v))
}

// turn puts the page upside down.
func (p *Page) turn() {
	m := p.Img
	b := m.Bounds()
	n := len(m.Pix)
	for i := 0; i < n/2; i++ {
		m.Pix[i], m.Pix[n-1-i] = m.Pix[n-1-i], m.Pix[i]
	}
	for i, g := range p.Glyphs {
		r := g.Box
		p.Glyphs[i].Box = image.Rect(b.Dx()-r.Max.X, b.Dy()-r.Max.Y, b.Dx()-r.Min.X, b.Dy()-r.Min.Y)
	}
}

// noise makes a clean page look photocopied: grey paper, grain, lost
// toner in the strokes, and dark specks (a few per square centimetre).
func noise(m *image.Gray, rng *rand.Rand) {
	for i, v := range m.Pix {
		f := float64(v)*0.82 + 28 + rng.NormFloat64()*6 // paper tone 237, ink 28, grain
		if v < 128 && rng.Float64() < 0.03 {
			f = 190 // toner dropped
		}
		m.Pix[i] = uint8(max(0, min(255, math.Round(f))))
	}
	b := m.Bounds()
	for range b.Dx() * b.Dy() / 4000 {
		x, y, r := rng.IntN(b.Dx()), rng.IntN(b.Dy()), 1+rng.IntN(3)
		for dy := -r; dy <= r; dy++ {
			for dx := -r; dx <= r; dx++ {
				if dx*dx+dy*dy <= r*r && image.Pt(x+dx, y+dy).In(b) {
					m.Pix[(y+dy)*m.Stride+x+dx] = uint8(30 + rng.IntN(60))
				}
			}
		}
	}
}

// WordBoxes are the boxes of every occurrence of word on the page, each
// the union of its characters' boxes (an occurrence broken across lines
// left out).
func (p *Page) WordBoxes(word string) []image.Rectangle {
	rs := []rune(word)
	var out []image.Rectangle
next:
	for i := 0; i+len(rs) <= len(p.Glyphs); i++ {
		for k, r := range rs {
			if p.Glyphs[i+k].R != r {
				continue next
			}
		}
		box := p.Glyphs[i].Box
		for k := 1; k < len(rs); k++ {
			b := p.Glyphs[i+k].Box
			if b.Min.Y >= box.Max.Y || b.Max.Y <= box.Min.Y {
				continue next
			}
			box = box.Union(b)
		}
		out = append(out, box)
	}
	return out
}

// FileName is a page's file in testdata/ocr.
func FileName(t Text, c Condition) string { return fmt.Sprintf("%s-%s.jpg", t.Name, c.Name) }
