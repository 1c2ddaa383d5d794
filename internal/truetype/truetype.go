// Package truetype reads a face of a TrueType font or collection and makes
// minimal subsets of it: the glyphs used, renumbered in order of first use,
// with only the tables a PDF CIDFontType2 needs (a few KB, where pdfcpu's
// subset keeps every table and the full glyph index range). Only the pages
// of the tables that are touched are read, so a 16 MB collection costs
// little memory. Character map, advance widths and descriptor metrics are
// read exactly as pdfcpu reads them, so text laid out with a Face is laid
// out as pdfcpu lays it out.
package truetype

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Face is one face of a TrueType font, its tables aliasing the source.
type Face struct {
	tables      map[string][]byte
	upem        int
	numGlyphs   int
	numHMetrics int
	locaLong    bool
	chars       map[rune]uint16 // as pdfcpu's TTFLight.Chars
	// The font descriptor's values in thousandths of an em (PDF glyph
	// space), as pdfcpu computes them.
	BBox                       [4]int
	Ascent, Descent, CapHeight int
	ItalicAngle                float64
	FixedPitch                 bool
}

// Parse reads face idx of a TrueType collection, or the font if data is a
// single TrueType font (idx is then ignored). The face aliases data.
func Parse(data []byte, idx int) (*Face, error) {
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
	f := &Face{tables: map[string][]byte{}}
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
	for i := range f.BBox {
		f.BBox[i] = f.pdfUnits(int(int16(be.Uint16(head[36+2*i:]))))
	}
	if os2 := f.tables["OS/2"]; len(os2) >= 72 {
		f.Ascent = f.pdfUnits(int(int16(be.Uint16(os2[68:]))))
		f.Descent = f.pdfUnits(int(int16(be.Uint16(os2[70:]))))
		f.CapHeight = f.Ascent
		if be.Uint16(os2) >= 2 && len(os2) >= 90 {
			f.CapHeight = f.pdfUnits(int(int16(be.Uint16(os2[88:]))))
		}
	}
	if f.Ascent == 0 {
		f.Ascent = f.pdfUnits(int(int16(be.Uint16(hhea[4:]))))
	}
	if f.Descent == 0 {
		f.Descent = f.pdfUnits(int(int16(be.Uint16(hhea[6:]))))
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.ItalicAngle = float64(int32(be.Uint32(post[4:]))) / 65536
		f.FixedPitch = be.Uint32(post[12:]) != 0
	}
	chars, err := parseCmap(f.tables["cmap"], f.numGlyphs)
	if err != nil {
		return nil, fmt.Errorf("cmap: %w", err)
	}
	f.chars = chars
	return f, nil
}

// pdfUnits scales font units to PDF glyph space (1/1000 em) as pdfcpu does.
func (f *Face) pdfUnits(v int) int { return v * 1000 / f.upem }

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

// Glyph is the glyph for r, and whether the font maps r at all.
func (f *Face) Glyph(r rune) (uint16, bool) {
	g, ok := f.chars[r]
	return g, ok
}

// Advance is glyph g's advance width in thousandths of an em, as pdfcpu's
// TTFLight.GlyphWidths has it.
func (f *Face) Advance(g uint16) int {
	i := int(g)
	if i >= f.numHMetrics {
		i = f.numHMetrics - 1
	}
	return f.pdfUnits(int(binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])))
}

func (f *Face) hmetric(g uint16) (adv uint16, lsb []byte) {
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
func (f *Face) glyph(g uint16) ([]byte, error) {
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

// Composite glyph flags.
const (
	cgArgsAreWords   = 0x0001
	cgHaveScale      = 0x0008
	cgMoreComponents = 0x0020
	cgHaveXYScale    = 0x0040
	cgHaveTwoByTwo   = 0x0080
)

// Subset is a subset of a face being made: the glyphs added, renumbered in
// order of first addition. Glyph 0 (.notdef) stays glyph 0.
type Subset struct {
	face  *Face
	gids  []uint16          // new glyph id -> original glyph id
	newID map[uint16]uint16 // original -> new
}

// NewSubset starts a subset of f holding glyph 0.
func NewSubset(f *Face) *Subset {
	return &Subset{face: f, gids: []uint16{0}, newID: map[uint16]uint16{0: 0}}
}

// Add adds original glyph g, if it is not in yet, and returns its new id.
func (k *Subset) Add(g uint16) uint16 {
	if n, ok := k.newID[g]; ok {
		return n
	}
	n := uint16(len(k.gids))
	k.gids = append(k.gids, g)
	k.newID[g] = n
	return n
}

// Glyphs are the original ids of the subset's glyphs, by new id.
func (k *Subset) Glyphs() []uint16 { return k.gids }

// Program builds the subset font program: the glyphs added (and the
// components of composite ones, which it adds) under their new ids, with
// the tables a PDF CIDFontType2 needs.
func (k *Subset) Program() ([]byte, error) {
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
				be.PutUint16(data[p+2:], k.Add(comp))
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

// ExtractFace extracts face idx of a TrueType collection as a standalone
// TrueType font, every table kept (pdfcpu installs from bytes only single
// fonts, and installing a whole collection would write all its faces into
// its configuration directory).
func ExtractFace(ttc []byte, idx int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("not a TrueType collection")
	}
	n := int(be.Uint32(ttc[8:12]))
	if idx < 0 || idx >= n || len(ttc) < 12+4*n {
		return nil, fmt.Errorf("no face %d", idx)
	}
	off := int(be.Uint32(ttc[12+4*idx:]))
	if off+12 > len(ttc) {
		return nil, errors.New("bad face offset")
	}
	numTables := int(be.Uint16(ttc[off+4:]))
	if off+12+16*numTables > len(ttc) {
		return nil, errors.New("bad table directory")
	}
	type rec struct {
		tag           [4]byte
		sum, off, len uint32
	}
	recs := make([]rec, numTables)
	size := 12 + 16*numTables
	for i := range recs {
		p := ttc[off+12+16*i:]
		copy(recs[i].tag[:], p[:4])
		recs[i].sum = be.Uint32(p[4:])
		recs[i].off = be.Uint32(p[8:])
		recs[i].len = be.Uint32(p[12:])
		if int(recs[i].off)+int(recs[i].len) > len(ttc) {
			return nil, fmt.Errorf("table %s out of range", recs[i].tag[:])
		}
		size += (int(recs[i].len) + 3) &^ 3
	}
	out := make([]byte, size)
	copy(out[:4], ttc[off:off+4])
	be.PutUint16(out[4:], uint16(numTables))
	sr, es := 1, 0
	for sr*2 <= numTables {
		sr *= 2
		es++
	}
	be.PutUint16(out[6:], uint16(sr*16))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(numTables*16-sr*16))
	pos := 12 + 16*numTables
	headAt := -1
	for i, r := range recs {
		p := out[12+16*i:]
		copy(p[:4], r.tag[:])
		be.PutUint32(p[4:], r.sum)
		be.PutUint32(p[8:], uint32(pos))
		be.PutUint32(p[12:], r.len)
		copy(out[pos:], ttc[r.off:r.off+r.len])
		if string(r.tag[:]) == "head" && r.len >= 12 {
			headAt = pos
		}
		pos += (int(r.len) + 3) &^ 3
	}
	if headAt >= 0 { // recompute head.checkSumAdjustment for the new file
		be.PutUint32(out[headAt+8:], 0)
		var sum uint32
		for i := 0; i+4 <= len(out); i += 4 {
			sum += be.Uint32(out[i:])
		}
		be.PutUint32(out[headAt+8:], 0xB1B0AFBA-sum)
	}
	return out, nil
}
