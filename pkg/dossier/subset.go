package dossier

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/assets/fonts"
)

// This file draws text for the per-lawyer copy (MakeCopy) without pdfcpu:
// the glyphs come straight from the embedded WenQuanYi Zen Hei collection
// (only the pages of the tables that are touched are read, so the 16 MB
// collection costs little memory), and the font embedded in the copy is a
// minimal TrueType subset with the used glyphs renumbered 1..n (a few KB,
// where pdfcpu's subset keeps every table and the full glyph index range).
// Glyph choice and advance widths are computed exactly as pdfcpu computes
// them for textKit, so a stamp drawn here is laid out like StampCopy's.

// sfntFace is one face of a TrueType font, its tables aliasing the source.
type sfntFace struct {
	tables      map[string][]byte
	upem        int
	numGlyphs   int
	numHMetrics int
	locaLong    bool
	chars       map[rune]uint16 // as pdfcpu's TTFLight.Chars
	// font descriptor values in PDF glyph space, as pdfcpu computes them
	bbox                       [4]int
	ascent, descent, capHeight int
	italicAngle                float64
	fixedPitch                 bool
}

// embeddedFace is the embedded font, parsed once per process.
var embeddedFace = sync.OnceValues(func() (*sfntFace, error) {
	f, err := parseFace(fonts.ZenHeiTTC, 0)
	if err != nil {
		return nil, fmt.Errorf("dossier: embedded font: %w", err)
	}
	return f, nil
})

func parseFace(data []byte, idx int) (*sfntFace, error) {
	be := binary.BigEndian
	off := 0
	if len(data) >= 12 && string(data[:4]) == "ttcf" {
		n := int(be.Uint32(data[8:12]))
		if idx < 0 || idx >= n || len(data) < 12+4*n {
			return nil, fmt.Errorf("no face %d", idx)
		}
		off = int(be.Uint32(data[12+4*idx:]))
	}
	if off+12 > len(data) {
		return nil, errors.New("truncated font header")
	}
	nt := int(be.Uint16(data[off+4:]))
	if off+12+16*nt > len(data) {
		return nil, errors.New("truncated table directory")
	}
	f := &sfntFace{tables: map[string][]byte{}}
	for i := 0; i < nt; i++ {
		r := data[off+12+16*i:]
		to, tl := int64(be.Uint32(r[8:])), int64(be.Uint32(r[12:]))
		if to+tl > int64(len(data)) {
			return nil, fmt.Errorf("table %q out of range", r[:4])
		}
		f.tables[string(r[:4])] = data[to : to+tl : to+tl]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("no %s table", t)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("short head, hhea or maxp table")
	}
	f.upem = int(be.Uint16(head[18:]))
	if f.upem == 0 {
		return nil, errors.New("unitsPerEm is 0")
	}
	f.locaLong = be.Uint16(head[50:]) == 1
	f.numGlyphs = int(be.Uint16(maxp[4:]))
	f.numHMetrics = int(be.Uint16(hhea[34:]))
	if f.numGlyphs == 0 || f.numHMetrics == 0 || f.numHMetrics > f.numGlyphs {
		return nil, errors.New("bad glyph counts")
	}
	if len(f.tables["hmtx"]) < 4*f.numHMetrics+2*(f.numGlyphs-f.numHMetrics) {
		return nil, errors.New("short hmtx table")
	}
	locaEntry := 2
	if f.locaLong {
		locaEntry = 4
	}
	if len(f.tables["loca"]) < locaEntry*(f.numGlyphs+1) {
		return nil, errors.New("short loca table")
	}
	for i := range f.bbox {
		f.bbox[i] = f.pdfUnits(int(int16(be.Uint16(head[36+2*i:]))))
	}
	if os2 := f.tables["OS/2"]; len(os2) >= 72 {
		f.ascent = f.pdfUnits(int(int16(be.Uint16(os2[68:]))))
		f.descent = f.pdfUnits(int(int16(be.Uint16(os2[70:]))))
		f.capHeight = f.ascent
		if be.Uint16(os2) >= 2 && len(os2) >= 90 {
			f.capHeight = f.pdfUnits(int(int16(be.Uint16(os2[88:]))))
		}
	}
	if f.ascent == 0 {
		f.ascent = f.pdfUnits(int(int16(be.Uint16(hhea[4:]))))
	}
	if f.descent == 0 {
		f.descent = f.pdfUnits(int(int16(be.Uint16(hhea[6:]))))
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.italicAngle = float64(int32(be.Uint32(post[4:]))) / 65536
		f.fixedPitch = be.Uint32(post[12:]) != 0
	}
	chars, err := parseCmap(f.tables["cmap"], f.numGlyphs)
	if err != nil {
		return nil, fmt.Errorf("cmap: %w", err)
	}
	f.chars = chars
	return f, nil
}

// pdfUnits scales font units to PDF glyph space (1/1000 em) as pdfcpu does.
func (f *sfntFace) pdfUnits(v int) int { return v * 1000 / f.upem }

// parseCmap reads the character map pdfcpu would read: the first of the
// Unicode subtables in pdfcpu's order of preference.
func parseCmap(t []byte, numGlyphs int) (map[rune]uint16, error) {
	be := binary.BigEndian
	if len(t) < 4 {
		return nil, errors.New("short table")
	}
	n := int(be.Uint16(t[2:]))
	if len(t) < 4+8*n {
		return nil, errors.New("short encoding records")
	}
	sub := map[string][]byte{}
	for i := 0; i < n; i++ {
		r := t[4+8*i:]
		o := int(be.Uint32(r[4:]))
		if o+4 > len(t) {
			continue
		}
		format := be.Uint16(t[o:])
		var l int
		switch format {
		case 4:
			l = int(be.Uint16(t[o+2:]))
		case 12:
			if o+8 > len(t) {
				continue
			}
			l = int(be.Uint32(t[o+4:]))
		default:
			continue
		}
		if l < 16 || o+l > len(t) {
			continue
		}
		sub[fmt.Sprintf("p%02d.e%02d.f%02d", be.Uint16(r), be.Uint16(r[2:]), format)] = t[o : o+l]
	}
	chars := map[rune]uint16{}
	for _, k := range []string{"p00.e10.f12", "p00.e04.f12", "p03.e10.f12"} {
		s, ok := sub[k]
		if !ok {
			continue
		}
		groups := int(be.Uint32(s[12:]))
		if 16+12*groups > len(s) {
			return nil, errors.New("short format 12 subtable")
		}
		for g := 0; g < groups; g++ {
			p := s[16+12*g:]
			start, end, gid := be.Uint32(p), be.Uint32(p[4:]), be.Uint32(p[8:])
			if end < start || end > 0x10FFFF || int(gid)+int(end-start) >= numGlyphs {
				return nil, errors.New("bad format 12 group")
			}
			for c := start; c <= end; c, gid = c+1, gid+1 {
				chars[rune(c)] = uint16(gid)
			}
		}
		return chars, nil
	}
	for _, k := range []string{"p00.e03.f04", "p03.e01.f04"} {
		s, ok := sub[k]
		if !ok {
			continue
		}
		segX2 := int(be.Uint16(s[6:]))
		seg := segX2 / 2
		endOff, startOff := 14, 16+segX2
		deltaOff, rangeOff := startOff+segX2, startOff+2*segX2
		if seg == 0 || rangeOff+segX2 > len(s) {
			return nil, errors.New("bad format 4 subtable")
		}
		for i := 0; i < seg; i++ {
			start, end := uint32(be.Uint16(s[startOff+2*i:])), uint32(be.Uint16(s[endOff+2*i:]))
			delta, ro := be.Uint16(s[deltaOff+2*i:]), int(be.Uint16(s[rangeOff+2*i:]))
			for c, idx := start, 0; c <= end && c != 0xFFFF; c, idx = c+1, idx+1 {
				var g uint16
				if ro == 0 {
					g = uint16(c) + delta
				} else {
					at := rangeOff + 2*i + ro + 2*idx
					if at+2 > len(s) {
						return nil, errors.New("format 4 glyph index out of range")
					}
					if g = be.Uint16(s[at:]); g != 0 {
						g += delta
					}
				}
				if g == 0 {
					continue
				}
				if int(g) >= numGlyphs {
					return nil, errors.New("format 4 glyph id out of range")
				}
				chars[rune(c)] = g
			}
		}
		return chars, nil
	}
	return nil, errors.New("no Unicode subtable pdfcpu supports")
}

// advance is glyph g's advance width in PDF glyph space, as pdfcpu's
// TTFLight.GlyphWidths has it.
func (f *sfntFace) advance(g uint16) int {
	i := int(g)
	if i >= f.numHMetrics {
		i = f.numHMetrics - 1
	}
	return f.pdfUnits(int(binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])))
}

func (f *sfntFace) hmetric(g uint16) (adv uint16, lsb []byte) {
	hmtx := f.tables["hmtx"]
	i := int(g)
	if i < f.numHMetrics {
		return binary.BigEndian.Uint16(hmtx[4*i:]), hmtx[4*i+2 : 4*i+4]
	}
	adv = binary.BigEndian.Uint16(hmtx[4*(f.numHMetrics-1):])
	at := 4*f.numHMetrics + 2*(i-f.numHMetrics)
	return adv, hmtx[at : at+2]
}

// glyph returns glyph g's glyf data (empty for a glyph without outline).
func (f *sfntFace) glyph(g uint16) ([]byte, error) {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var a, b int
	if f.locaLong {
		a, b = int(binary.BigEndian.Uint32(loca[4*int(g):])), int(binary.BigEndian.Uint32(loca[4*int(g)+4:]))
	} else {
		a, b = 2*int(binary.BigEndian.Uint16(loca[2*int(g):])), 2*int(binary.BigEndian.Uint16(loca[2*int(g)+2:]))
	}
	if a > b || b > len(glyf) {
		return nil, fmt.Errorf("glyph %d out of range", g)
	}
	return glyf[a:b], nil
}

// subsetKit draws text with a subset of the embedded font whose glyphs are
// renumbered in order of first use (glyph 0 stays .notdef). It has the
// drawing methods of textKit, so stampContent serves both.
type subsetKit struct {
	face  *sfntFace
	gids  []uint16          // new glyph id -> original glyph id
	newID map[uint16]uint16 // original -> new
	used  map[uint16]rune   // new glyph id -> the character it was drawn for
}

func newSubsetKit() (*subsetKit, error) {
	f, err := embeddedFace()
	if err != nil {
		return nil, err
	}
	return &subsetKit{face: f, gids: []uint16{0}, newID: map[uint16]uint16{0: 0}, used: map[uint16]rune{}}, nil
}

// orig is the original glyph for r, with textKit's fallbacks.
func (k *subsetKit) orig(r rune) (uint16, bool) {
	if g, ok := k.face.chars[r]; ok {
		return g, true
	}
	if g, ok := k.face.chars['?']; ok {
		return g, false
	}
	return 0, false
}

func (k *subsetKit) width(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		g, _ := k.orig(r)
		w += k.face.advance(g)
	}
	return float64(w) * size / 1000
}

func (k *subsetKit) add(g uint16) uint16 {
	if n, ok := k.newID[g]; ok {
		return n
	}
	n := uint16(len(k.gids))
	k.gids = append(k.gids, g)
	k.newID[g] = n
	return n
}

func (k *subsetKit) hex(s string) string {
	b := make([]byte, 0, 4*len(s)+2)
	b = append(b, '<')
	for _, r := range s {
		g, mapped := k.orig(r)
		n := k.add(g)
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

// Composite glyph flags.
const (
	cgArgsAreWords   = 0x0001
	cgHaveScale      = 0x0008
	cgMoreComponents = 0x0020
	cgHaveXYScale    = 0x0040
	cgHaveTwoByTwo   = 0x0080
)

// program builds the subset font program: the used glyphs (and the
// components of composite ones) under their new ids, with the tables a PDF
// CIDFontType2 needs.
func (k *subsetKit) program() ([]byte, error) {
	be := binary.BigEndian
	f := k.face
	var glyf, loca []byte
	loca = be.AppendUint32(loca, 0)
	for i := 0; i < len(k.gids); i++ { // k.gids grows while components are added
		data, err := f.glyph(k.gids[i])
		if err != nil {
			return nil, err
		}
		if len(data) >= 10 && int16(be.Uint16(data)) < 0 { // composite: renumber its components
			data = append([]byte(nil), data...)
			p := 10
			for {
				if p+4 > len(data) {
					return nil, fmt.Errorf("glyph %d: truncated composite", k.gids[i])
				}
				flags := be.Uint16(data[p:])
				comp := be.Uint16(data[p+2:])
				if int(comp) >= f.numGlyphs {
					return nil, fmt.Errorf("glyph %d: component %d out of range", k.gids[i], comp)
				}
				be.PutUint16(data[p+2:], k.add(comp))
				p += 4
				if flags&cgArgsAreWords != 0 {
					p += 4
				} else {
					p += 2
				}
				switch {
				case flags&cgHaveScale != 0:
					p += 2
				case flags&cgHaveXYScale != 0:
					p += 4
				case flags&cgHaveTwoByTwo != 0:
					p += 8
				}
				if flags&cgMoreComponents == 0 {
					break
				}
			}
			if len(k.gids) > 4096 {
				return nil, errors.New("composite glyphs nest too deep")
			}
		}
		glyf = append(glyf, data...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		loca = be.AppendUint32(loca, uint32(len(glyf)))
	}
	n := len(k.gids)
	hmtx := make([]byte, 0, 4*n)
	for _, g := range k.gids {
		adv, lsb := f.hmetric(g)
		hmtx = be.AppendUint16(hmtx, adv)
		hmtx = append(hmtx, lsb...)
	}
	head := append([]byte(nil), f.tables["head"]...)
	be.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), f.tables["hhea"]...)
	be.PutUint16(hhea[34:], uint16(n))
	maxp := append([]byte(nil), f.tables["maxp"]...)
	be.PutUint16(maxp[4:], uint16(n))
	tables := map[string][]byte{"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx, "loca": loca, "glyf": glyf}
	for _, t := range []string{"cvt ", "fpgm", "prep", "OS/2"} {
		if d := f.tables[t]; d != nil {
			tables[t] = d
		}
	}
	return sfntFile(tables), nil
}

// sfntFile lays out a TrueType file from its tables (tags sorted, 4-byte
// aligned, checksums and head.checkSumAdjustment computed).
func sfntFile(tables map[string][]byte) []byte {
	be := binary.BigEndian
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	nt := len(tags)
	sr, es := 1, 0
	for sr*2 <= nt {
		sr *= 2
		es++
	}
	out := make([]byte, 12+16*nt)
	be.PutUint32(out, 0x00010000)
	be.PutUint16(out[4:], uint16(nt))
	be.PutUint16(out[6:], uint16(sr*16))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(nt*16-sr*16))
	headAt := -1
	for i, t := range tags {
		d := tables[t]
		at := len(out)
		if t == "head" {
			headAt = at
		}
		out = append(out, d...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		r := out[12+16*i:]
		copy(r, t)
		be.PutUint32(r[4:], checksum(out[at:]))
		be.PutUint32(r[8:], uint32(at))
		be.PutUint32(r[12:], uint32(len(d)))
	}
	if headAt >= 0 {
		be.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i+4 <= len(b); i += 4 {
		s += binary.BigEndian.Uint32(b[i:])
	}
	if r := len(b) % 4; r != 0 {
		var last [4]byte
		copy(last[:], b[len(b)-r:])
		s += binary.BigEndian.Uint32(last[:])
	}
	return s
}

// fontObjects returns the objects of the subset font as a Type0 font with
// Identity-H encoding, numbered from first: the Type0 dictionary is object
// first. The subset tag is derived from the glyphs, so equal text gives
// equal bytes.
func (k *subsetKit) fontObjects(first int) ([]types.Object, error) {
	if len(k.gids) == 1 { // nothing drawn: keep one glyph so the font is valid
		k.hex(" ")
	}
	prog, err := k.program()
	if err != nil {
		return nil, err
	}
	f := k.face
	h := sha256.New()
	h.Write([]byte("copy"))
	for _, g := range k.gids {
		binary.Write(h, binary.BigEndian, g)
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := types.Name(string(tag) + "+" + FontName)
	ref := func(i int) types.IndirectRef { return *types.NewIndirectRef(first+i, 0) }
	widths := make(types.Array, 0, len(k.gids)-1)
	for _, g := range k.gids[1:] {
		widths = append(widths, types.Integer(f.advance(g)))
	}
	flags := 0x20
	if f.fixedPitch {
		flags |= 0x01
	}
	if f.italicAngle != 0 {
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
			"FontBBox":    types.Array{types.Integer(f.bbox[0]), types.Integer(f.bbox[1]), types.Integer(f.bbox[2]), types.Integer(f.bbox[3])},
			"ItalicAngle": types.Float(math.Round(f.italicAngle*100) / 100), "Ascent": types.Integer(f.ascent),
			"Descent": types.Integer(f.descent), "CapHeight": types.Integer(f.capHeight), "StemV": types.Integer(70),
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
