package truetype

import (
	"encoding/binary"
	"testing"

	"github.com/yuejuan/yuejuan/assets/fonts"
)

func TestExtractFace(t *testing.T) {
	if _, err := ExtractFace([]byte("not a collection"), 0); err == nil {
		t.Error("want an error")
	}
	ttf, err := ExtractFace(fonts.ZenHeiTTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(fonts.ZenHeiTTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(ttf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.numGlyphs != b.numGlyphs || a.BBox != b.BBox || len(a.chars) != len(b.chars) {
		t.Error("the extracted face differs from the collection's")
	}
}

// A subset is a font of its own: parsed again, its glyphs have the
// originals' advance widths and outlines under the new ids.
func TestSubsetProgram(t *testing.T) {
	f, err := Parse(fonts.ZenHeiTTC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSubset(f)
	var orig []uint16
	for _, r := range "卷宗第页共 0123" {
		g, ok := f.Glyph(r)
		if !ok {
			t.Fatalf("no glyph for %q", r)
		}
		if n := s.Add(g); int(n) != len(orig)+1 {
			t.Fatalf("%q: new id %d", r, n)
		}
		orig = append(orig, g)
	}
	if n := s.Add(orig[0]); n != 1 {
		t.Errorf("adding a glyph again gave id %d", n)
	}
	prog, err := s.Program()
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) > 64<<10 {
		t.Errorf("subset of %d glyphs is %d bytes", len(orig), len(prog))
	}
	sf := subsetFace(t, prog)
	if sf.numGlyphs != len(s.Glyphs()) {
		t.Errorf("subset has %d glyphs, want %d", sf.numGlyphs, len(s.Glyphs()))
	}
	for i, g := range orig {
		n := uint16(i + 1)
		if sf.Advance(n) != f.Advance(g) {
			t.Errorf("glyph %d: advance %d, want %d", n, sf.Advance(n), f.Advance(g))
		}
		a, err1 := f.glyph(g)
		b, err2 := sf.glyph(n)
		// The same header (contour count, bounding box); an empty outline
		// stays empty.
		if err1 != nil || err2 != nil || len(b) < len(a) || (len(a) == 0) != (len(b) == 0) || len(a) > 0 && string(b[:10]) != string(a[:10]) {
			t.Errorf("glyph %d: outline differs (%v, %v)", n, err1, err2)
		}
	}
	if checksum(prog) != 0xB1B0AFBA {
		t.Errorf("file checksum %#x, want 0xB1B0AFBA", checksum(prog))
	}
}

// subsetFace reads a subset's tables as Parse would, but for the character
// map, which a subset does not have (a PDF CIDFontType2 maps by glyph id).
func subsetFace(t *testing.T, prog []byte) *Face {
	be := binary.BigEndian
	f := &Face{tables: map[string][]byte{}}
	nt := int(be.Uint16(prog[4:]))
	for i := 0; i < nt; i++ {
		r := prog[12+16*i:]
		off, n := be.Uint32(r[8:]), be.Uint32(r[12:])
		f.tables[string(r[:4])] = prog[off : off+n]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if f.tables[tag] == nil {
			t.Fatalf("subset has no %s table", tag)
		}
	}
	f.upem = int(be.Uint16(f.tables["head"][18:]))
	f.locaLong = be.Uint16(f.tables["head"][50:]) == 1
	f.numGlyphs = int(be.Uint16(f.tables["maxp"][4:]))
	f.numHMetrics = int(be.Uint16(f.tables["hhea"][34:]))
	return f
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(fonts.ZenHeiTTC, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubset is the font of a stamped copy: a stamp line's glyphs.
func BenchmarkSubset(b *testing.B) {
	f, err := Parse(fonts.ZenHeiTTC, 0)
	if err != nil {
		b.Fatal(err)
	}
	text := "仅供 张律师 律师阅卷使用 · 执业证号 11101201910012345 · 申请号 YJ-2025-0001 · 2025-03-01"
	for b.Loop() {
		s := NewSubset(f)
		for _, r := range text {
			g, _ := f.Glyph(r)
			s.Add(g)
		}
		if _, err := s.Program(); err != nil {
			b.Fatal(err)
		}
	}
}
