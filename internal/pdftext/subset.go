package pdftext

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/truetype"
)

// Subset draws text without pdfcpu, with a subset of the embedded font
// whose glyphs are renumbered in order of first use (glyph 0 stays
// .notdef): the glyphs come straight from the embedded collection
// (cjkfont.Face), and the font is a few KB (truetype.Subset). Glyph choice
// and advance widths are computed exactly as pdfcpu computes them for Kit.
type Subset struct {
	face *truetype.Face
	sub  *truetype.Subset
	used map[uint16]rune // new glyph id -> the character it was drawn for
}

// NewSubset starts a subset of the embedded font.
func NewSubset() (*Subset, error) {
	f, err := cjkfont.Face()
	if err != nil {
		return nil, err
	}
	return &Subset{face: f, sub: truetype.NewSubset(f), used: map[uint16]rune{}}, nil
}

// orig is the original glyph for r, with Kit's fallbacks.
func (k *Subset) orig(r rune) (uint16, bool) {
	if g, ok := k.face.Glyph(r); ok {
		return g, true
	}
	if g, ok := k.face.Glyph('?'); ok {
		return g, false
	}
	return 0, false
}

// Width is the width of s at size points.
func (k *Subset) Width(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		g, _ := k.orig(r)
		w += k.face.Advance(g)
	}
	return float64(w) * size / 1000
}

// Hex encodes s as glyph ids of the subset for a Tj operand.
func (k *Subset) Hex(s string) string {
	b := make([]byte, 0, 4*len(s)+2)
	b = append(b, '<')
	for _, r := range s {
		g, mapped := k.orig(r)
		n := k.sub.Add(g)
		if _, ok := k.used[n]; !ok && n != 0 {
			if mapped {
				k.used[n] = r
			} else {
				k.used[n] = '?'
			}
		}
		b = fmt.Appendf(b, "%04x", n)
	}
	return string(append(b, '>'))
}

// Show writes a text object placing s with its baseline start at x, y.
func (k *Subset) Show(b *strings.Builder, font string, s string, size, x, y float64) {
	fmt.Fprintf(b, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, pdffile.FormatFloat(size), pdffile.FormatFloat(x), pdffile.FormatFloat(y), k.Hex(s))
}

// FontObjects returns the objects of the subset font as a Type0 font with
// Identity-H encoding, numbered from first: the Type0 dictionary is object
// first. The subset tag is derived from the glyphs, so equal text gives
// equal bytes.
func (k *Subset) FontObjects(first int) ([]types.Object, error) {
	if len(k.sub.Glyphs()) == 1 { // nothing drawn: keep one glyph so the font is valid
		k.Hex(" ")
	}
	prog, err := k.sub.Program()
	if err != nil {
		return nil, err
	}
	f := k.face
	h := sha256.New()
	h.Write([]byte("copy"))
	gids := k.sub.Glyphs()
	for _, g := range gids {
		binary.Write(h, binary.BigEndian, g)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := types.Name(string(tag) + "+" + cjkfont.Name)
	ref := func(i int) types.IndirectRef { return *types.NewIndirectRef(first+i, 0) }
	widths := make(types.Array, 0, len(gids)-1)
	for _, g := range gids[1:] {
		widths = append(widths, types.Integer(f.Advance(g)))
	}
	flags := 0x20
	if f.FixedPitch {
		flags |= 0x01
	}
	if f.ItalicAngle != 0 {
		flags |= 0x40
	}
	file, err := pdffile.FlateStream(prog, types.Dict{"Length1": types.Integer(len(prog))})
	if err != nil {
		return nil, err
	}
	cmap, err := pdffile.FlateStream(toUnicode(k.used), nil)
	if err != nil {
		return nil, err
	}
	return []types.Object{
		types.Dict{ // 0: Type0 font
			"Type": types.Name("Font"), "Subtype": types.Name("Type0"), "BaseFont": name,
			"Encoding": types.Name("Identity-H"), "DescendantFonts": types.Array{ref(1)}, "ToUnicode": ref(4),
		},
		types.Dict{ // 1: CIDFont
			"Type": types.Name("Font"), "Subtype": types.Name("CIDFontType2"), "BaseFont": name,
			"CIDSystemInfo":  types.Dict{"Registry": types.StringLiteral("Adobe"), "Ordering": types.StringLiteral("Identity"), "Supplement": types.Integer(0)},
			"FontDescriptor": ref(2), "CIDToGIDMap": types.Name("Identity"), "DW": types.Integer(1000),
			"W": types.Array{types.Integer(1), widths},
		},
		types.Dict{ // 2: font descriptor
			"Type": types.Name("FontDescriptor"), "FontName": name, "Flags": types.Integer(flags),
			"FontBBox":    types.Array{types.Integer(f.BBox[0]), types.Integer(f.BBox[1]), types.Integer(f.BBox[2]), types.Integer(f.BBox[3])},
			"ItalicAngle": types.Float(math.Round(f.ItalicAngle*100) / 100), "Ascent": types.Integer(f.Ascent),
			"Descent": types.Integer(f.Descent), "CapHeight": types.Integer(f.CapHeight), "StemV": types.Integer(70),
			"FontFile2": ref(3),
		},
		file, // 3
		cmap, // 4
	}, nil
}
