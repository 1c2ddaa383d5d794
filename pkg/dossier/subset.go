package dossier

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/truetype"
)

// subsetKit draws text for the per-lawyer copy (MakeCopy) without pdfcpu:
// the glyphs come straight from the embedded font (cjkfont.Face), and the
// font embedded in the copy is a minimal subset of it (truetype.Subset).
// Glyph choice and advance widths are computed exactly as pdfcpu computes
// them for textKit, so a stamp drawn here is laid out like StampCopy's.
// subsetKit draws text with a subset of the embedded font whose glyphs are
// renumbered in order of first use (glyph 0 stays .notdef). It has the
// drawing methods of textKit, so stampContent serves both.
type subsetKit struct {
	face *truetype.Face
	sub  *truetype.Subset
	used map[uint16]rune // new glyph id -> the character it was drawn for
}

func newSubsetKit() (*subsetKit, error) {
	f, err := cjkfont.Face()
	if err != nil {
		return nil, err
	}
	return &subsetKit{face: f, sub: truetype.NewSubset(f), used: map[uint16]rune{}}, nil
}

// orig is the original glyph for r, with textKit's fallbacks.
func (k *subsetKit) orig(r rune) (uint16, bool) {
	if g, ok := k.face.Glyph(r); ok {
		return g, true
	}
	if g, ok := k.face.Glyph('?'); ok {
		return g, false
	}
	return 0, false
}

func (k *subsetKit) width(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		g, _ := k.orig(r)
		w += k.face.Advance(g)
	}
	return float64(w) * size / 1000
}

func (k *subsetKit) hex(s string) string {
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

func (k *subsetKit) show(b *strings.Builder, font string, s string, size, x, y float64) {
	fmt.Fprintf(b, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, formatFloat(size), formatFloat(x), formatFloat(y), k.hex(s))
}

// fontObjects returns the objects of the subset font as a Type0 font with
// Identity-H encoding, numbered from first: the Type0 dictionary is object
// first. The subset tag is derived from the glyphs, so equal text gives
// equal bytes.
func (k *subsetKit) fontObjects(first int) ([]types.Object, error) {
	if len(k.sub.Glyphs()) == 1 { // nothing drawn: keep one glyph so the font is valid
		k.hex(" ")
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
	file, err := flateStream(prog, types.Dict{"Length1": types.Integer(len(prog))})
	if err != nil {
		return nil, err
	}
	cmap, err := flateStream(toUnicode(k.used), nil)
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

// flateStream is a Flate-compressed stream object.
func flateStream(content []byte, d types.Dict) (types.StreamDict, error) {
	sd := types.StreamDict{Dict: types.Dict{}, Content: content, FilterPipeline: []types.PDFFilter{{Name: "FlateDecode"}}}
	for k, v := range d {
		sd.Dict[k] = v
	}
	sd.Dict["Filter"] = types.Name("FlateDecode")
	if err := sd.Encode(); err != nil {
		return types.StreamDict{}, err
	}
	return sd, nil
}
